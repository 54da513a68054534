package io.eie.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

    @Test
    void defaults_work_on_a_laptop_with_embedded_database_and_broker() {
        Config config = Config.fromEnv(Map.of());

        assertThat(config.embedsDatabase()).isTrue();
        assertThat(config.embedsBroker()).isTrue();
        assertThat(config.embedded().dataDir()).isEqualTo(Path.of("./data"));
        assertThat(config.embedded().mqttPort()).isEqualTo(1883);
        assertThat(config.http().port()).isEqualTo(3000);
        assertThat(config.http().maxBodyBytes()).isEqualTo(5L * 1024 * 1024);
        assertThat(config.http().maxReadings()).isEqualTo(10_000);
        assertThat(config.mqtt().clientId()).isEqualTo("eie-engine");
        assertThat(config.mqtt().topicPrefix()).isEmpty();
        assertThat(config.validation().retention()).isEqualTo(Duration.ofDays(90));
        assertThat(config.validation().maxFutureSkew()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.analytics().efficiencyThreshold()).isEqualByComparingTo("0.85");
        assertThat(config.batch().writers()).isEqualTo(2);
        assertThat(config.unknown()).isEmpty();
    }

    @Test
    void keeps_a_connection_for_queries_beside_the_writers() {
        assertThat(Config.fromEnv(Map.of("EIE_WRITERS", "4", "EIE_DATABASE_POOL_SIZE", "5")).batch().writers()).isEqualTo(4);
        assertThat(catchThrowableOfType(Config.ConfigException.class, () -> Config.fromEnv(Map.of(
                "EIE_WRITERS", "5", "EIE_DATABASE_POOL_SIZE", "5"))).problems()).singleElement().asString()
                .startsWith("EIE_WRITERS (5) must be below EIE_DATABASE_POOL_SIZE (5)");
        assertThat(catchThrowableOfType(Config.ConfigException.class, () -> Config.fromEnv(Map.of(
                "EIE_WRITERS", "0"))).problems()).singleElement().asString().startsWith("EIE_WRITERS must be between 1 and 64");
    }

    @Test
    void reads_the_alarm_rules_settings_and_wants_the_efficiency_window_in_whole_hours() {
        assertThat(Config.fromEnv(Map.of()).alarms()).isEqualTo(io.eie.alarms.AlarmSettings.DEFAULTS);
        Config config = Config.fromEnv(Map.of("EIE_ALARM_EFFICIENCY_WINDOW", "6h", "EIE_ALARM_SILENT_AFTER", "15m",
                "EIE_ALARM_BATTERY_TEMP_MAX", "60.5", "EIE_ALARM_BATTERY_READINGS", "5", "EIE_ALARM_EFFICIENCY_HYSTERESIS", "0.1",
                "EIE_ALARM_EVALUATE_EVERY", "30s"));
        assertThat(config.alarms().efficiencyWindow()).isEqualTo(Duration.ofHours(6));
        assertThat(config.alarms().silentAfter()).isEqualTo(Duration.ofMinutes(15));
        assertThat(config.alarms().batteryMaxTemp()).isEqualByComparingTo("60.5");
        assertThat(config.alarms().batteryReadings()).isEqualTo(5);
        assertThat(config.alarms().efficiencyHysteresis()).isEqualByComparingTo("0.1");
        assertThat(config.alarms().evaluateEvery()).isEqualTo(Duration.ofSeconds(30));
        assertThat(catchThrowableOfType(Config.ConfigException.class, () -> Config.fromEnv(Map.of(
                "EIE_ALARM_EFFICIENCY_WINDOW", "90m"))).problems()).singleElement().asString()
                .startsWith("EIE_ALARM_EFFICIENCY_WINDOW must be whole hours");
        assertThat(catchThrowableOfType(Config.ConfigException.class, () -> Config.fromEnv(Map.of(
                "EIE_ALARM_BATTERY_READINGS", "0"))).problems()).singleElement().asString()
                .startsWith("EIE_ALARM_BATTERY_READINGS must be between 1 and 100");
    }

    @Test
    void reads_the_alarm_webhooks_wants_a_secret_with_them_and_never_shows_their_tokens() {
        Config config = Config.fromEnv(Map.of("EIE_ALARM_WEBHOOK_URL", "https://ops.example/hooks/eie?token=s3cr3t, http://hooks.internal:8080/a",
                "EIE_ALARM_WEBHOOK_SECRET", "0123456789abcdef0123"));
        assertThat(config.alarms().notifications().targets()).containsExactly("mqtt",
                "https://ops.example/hooks/eie?token=s3cr3t", "http://hooks.internal:8080/a");
        assertThat(config.effective().get("EIE_ALARM_WEBHOOK_URL")).isEqualTo("https://ops.example/hooks/eie?****,http://hooks.internal:8080/a");
        assertThat(config.effective().get("EIE_ALARM_WEBHOOK_SECRET")).isEqualTo("****");
        assertThat(catchThrowableOfType(Config.ConfigException.class, () -> Config.fromEnv(Map.of(
                "EIE_ALARM_WEBHOOK_URL", "https://ops.example/hooks/eie"))).problems()).singleElement().asString()
                .startsWith("EIE_ALARM_WEBHOOK_SECRET must be set");
        Config.ConfigException bad = catchThrowableOfType(Config.ConfigException.class, () -> Config.fromEnv(Map.of(
                "EIE_ALARM_WEBHOOK_URL", "ftp://ops.example/?token=s3cr3t", "EIE_ALARM_WEBHOOK_SECRET", "0123456789abcdef0123")));
        assertThat(bad.problems()).singleElement().asString().startsWith("EIE_ALARM_WEBHOOK_URL must be http or https")
                .doesNotContain("s3cr3t");
    }

    @Test
    void reads_api_tokens_and_never_shows_them() {
        Config open = Config.fromEnv(Map.of());
        Config closed = Config.fromEnv(Map.of("EIE_API_READ_TOKEN", "r".repeat(32), "EIE_API_WRITE_TOKEN", "w".repeat(32)));

        assertThat(open.http().tokens().required()).isFalse();
        assertThat(closed.http().tokens().required()).isTrue();
        assertThat(closed.http().tokens().read()).isEqualTo("r".repeat(32));
        assertThat(closed.effective().get("EIE_API_READ_TOKEN")).isEqualTo("****");
        assertThat(closed.http().tokens().describe()).isEqualTo("bearer tokens: read, write");
    }

    @Test
    void refuses_api_tokens_that_are_short_or_shared() {
        assertThat(catchThrowableOfType(Config.ConfigException.class, () -> Config.fromEnv(Map.of("EIE_API_TOKEN", "secret")))
                .problems()).singleElement().asString().startsWith("API tokens (EIE_API_TOKEN, EIE_API_READ_TOKEN, "
                        + "EIE_API_WRITE_TOKEN) must be at least 16 printable ASCII characters");
        assertThat(catchThrowableOfType(Config.ConfigException.class, () -> Config.fromEnv(Map.of(
                "EIE_API_READ_TOKEN", "x".repeat(20), "EIE_API_WRITE_TOKEN", "x".repeat(20)))).problems())
                .containsExactly("EIE_API_READ_TOKEN and EIE_API_WRITE_TOKEN are the same: set EIE_API_TOKEN instead");
    }

    @Test
    void turns_a_postgresql_url_into_jdbc_with_decoded_credentials() {
        Config config = Config.fromEnv(Map.of(
                "EIE_DATABASE_URL", "postgresql://eie:p%40ss+word@db.example:6543/telemetry?sslmode=verify-full"));

        assertThat(config.embedsDatabase()).isFalse();
        assertThat(config.database().jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/telemetry?sslmode=verify-full");
        assertThat(config.database().username()).isEqualTo("eie");
        assertThat(config.database().password()).isEqualTo("p@ss+word");
        assertThat(config.effective().get("EIE_DATABASE_URL"))
                .isEqualTo("postgresql://eie:****@db.example:6543/telemetry?sslmode=verify-full");
    }

    @Test
    void passes_a_jdbc_url_through_and_masks_its_password() {
        Config config = Config.fromEnv(Map.of(
                "EIE_DATABASE_URL", "jdbc:postgresql://localhost:5432/test?user=postgres&password=secret"));

        assertThat(config.database().jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/test?user=postgres&password=secret");
        assertThat(config.effective().get("EIE_DATABASE_URL")).doesNotContain("secret").contains("password=****");
    }

    @Test
    void reads_mqtt_urls_with_default_ports() {
        assertThat(Config.fromEnv(Map.of("EIE_MQTT_URL", "tcp://broker")).mqtt().port()).isEqualTo(1883);
        Config tls = Config.fromEnv(Map.of("EIE_MQTT_URL", "ssl://broker.example"));
        assertThat(tls.mqtt().tls()).isTrue();
        assertThat(tls.mqtt().port()).isEqualTo(8883);
        assertThat(tls.mqtt().url()).isEqualTo("ssl://broker.example:8883");
    }

    @Test
    void masks_secrets_in_what_it_logs() {
        Config config = Config.fromEnv(Map.of("EIE_MQTT_URL", "tcp://broker:1883", "EIE_MQTT_USERNAME", "engine",
                "EIE_MQTT_PASSWORD", "hunter2", "EIE_DATABASE_PASSWORD", "s3cret"));

        assertThat(config.effective().values()).noneMatch(value -> value.contains("hunter2") || value.contains("s3cret"));
        assertThat(config.effective()).containsEntry("EIE_MQTT_PASSWORD", "****").containsEntry("EIE_MQTT_USERNAME", "engine");
        assertThat(config.mqtt().toString()).doesNotContain("hunter2");
        assertThat(config.database().toString()).doesNotContain("s3cret");
    }

    @Test
    void normalises_the_topic_prefix_and_builds_shared_subscriptions() {
        Config config = Config.fromEnv(Map.of("EIE_MQTT_TOPIC_PREFIX", "/site-1", "EIE_MQTT_SHARE_GROUP", "eie",
                "EIE_MQTT_CLIENT_ID", "eie-a"));

        assertThat(config.mqtt().topicPrefix()).isEqualTo("site-1/");
        assertThat(config.mqtt().shareGroup()).isEqualTo("eie");
    }

    @Test
    void reads_sizes_durations_and_numbers_in_friendly_units() {
        Config config = Config.fromEnv(Map.of("EIE_HTTP_MAX_BODY", "512KB", "EIE_BATCH_MAX_WAIT", "20ms",
                "EIE_RETENTION", "30d", "EIE_EFFICIENCY_THRESHOLD", "0.9", "EIE_BATCH_SIZE", "2_000"));

        assertThat(config.http().maxBodyBytes()).isEqualTo(512 * 1024);
        assertThat(config.batch().maxWait()).isEqualTo(Duration.ofMillis(20));
        assertThat(config.storage().retention()).isEqualTo(Duration.ofDays(30));
        assertThat(config.validation().retention()).isEqualTo(Duration.ofDays(30));
        assertThat(config.analytics().efficiencyThreshold()).isEqualTo(new BigDecimal("0.9"));
        assertThat(config.batch().maxBatchSize()).isEqualTo(2000);
    }

    @Test
    void reports_every_problem_at_once() {
        Config.ConfigException e = catchThrowableOfType(Config.ConfigException.class, () -> Config.fromEnv(Map.of(
                "EIE_HTTP_PORT", "eighty",
                "EIE_DATABASE_URL", "mysql://localhost/db",
                "EIE_MQTT_URL", "http://broker",
                "EIE_RETENTION", "forever",
                "EIE_EFFICIENCY_THRESHOLD", "1.5",
                "EIE_MQTT_SHARE_GROUP", "a/b",
                "EIE_BATCH_SIZE", "0",
                "EIE_QUEUE_CAPACITY", "500",
                "EIE_LOG_LEVEL", "LOUD")));

        assertThat(e.problems()).hasSize(10);
        assertThat(String.join("\n", e.problems()))
                .contains("EIE_HTTP_PORT must be a whole number")
                .contains("EIE_DATABASE_URL must look like postgresql://")
                .contains("EIE_MQTT_URL must start with tcp://")
                .contains("EIE_RETENTION must be a duration")
                .contains("EIE_EFFICIENCY_THRESHOLD must be between 0 and 1")
                .contains("EIE_MQTT_SHARE_GROUP must not contain")
                .contains("each instance needs its own stable EIE_MQTT_CLIENT_ID")
                .contains("EIE_BATCH_SIZE must be between 1 and 100000")
                .contains("EIE_HTTP_MAX_READINGS (10000) must not exceed EIE_QUEUE_CAPACITY (500)")
                .contains("EIE_LOG_LEVEL must be one of");
    }

    @Test
    void names_variables_that_no_setting_reads() {
        Config config = Config.fromEnv(Map.of("EIE_HTTP_PROT", "8080", "EIE_TEST_DATABASE_URL", "x", "PATH", "/bin"));

        assertThat(config.unknown()).containsExactly("EIE_HTTP_PROT");
    }
}
