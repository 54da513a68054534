package io.eie.config;

import io.eie.alarms.AlarmSettings;
import io.eie.alarms.NotificationSettings;
import io.eie.analytics.AnalyticsSettings;
import io.eie.embedded.EmbeddedSettings;
import io.eie.http.ApiTokens;
import io.eie.http.HttpSettings;
import io.eie.mqtt.MqttSettings;
import io.eie.storage.BatchSettings;
import io.eie.storage.DatabaseSettings;
import io.eie.storage.EnergyModes;
import io.eie.storage.PackingSettings;
import io.eie.storage.StorageSettings;
import io.eie.telemetry.EnergyMode;
import io.eie.telemetry.ValidationRules;
import io.eie.units.Durations;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole configuration, read once from {@code EIE_*} environment variables. Every variable has
 * a default that works on a laptop; without {@code EIE_DATABASE_URL} and {@code EIE_MQTT_URL} the
 * engine starts an embedded PostgreSQL and an embedded broker.
 *
 * @param database   {@link DatabaseSettings#jdbcUrl()} is {@code null} when the embedded PostgreSQL is wanted
 * @param mqtt       {@link MqttSettings#host()} is {@code null} when the embedded broker is wanted
 * @param logSummaryInterval how often the engine logs a summary line (rates, queue, lag); zero: never
 * @param effective  every setting as read, secrets masked, for the start-up log
 * @param unknown    {@code EIE_*} variables that no setting reads (typos, most likely)
 */
public record Config(DatabaseSettings database, MqttSettings mqtt, EmbeddedSettings embedded, HttpSettings http,
                     BatchSettings batch, ValidationRules validation, StorageSettings storage,
                     AnalyticsSettings analytics, AlarmSettings alarms, Duration logSummaryInterval, Map<String, String> effective,
                     List<String> unknown) {

    private static final Pattern POSTGRES_URL =
            Pattern.compile("^postgres(?:ql)?://(?:([^@/]*)@)?([^/?]*)(/[^?]*)?(?:\\?(.*))?$");
    private static final String DEFAULT_CLIENT_ID = "eie-engine";
    private static final Duration MAX_SESSION_EXPIRY = Duration.ofSeconds(0xFFFFFFFFL);

    public boolean embedsDatabase() {
        return database.jdbcUrl() == null;
    }

    public boolean embedsBroker() {
        return mqtt.host() == null;
    }

    /**
     * Reads the configuration from these variables (normally the process environment).
     *
     * @throws ConfigException listing every problem found, when any is
     */
    public static Config fromEnv(Map<String, String> variables) {
        Env env = new Env(variables);
        Duration retention = env.duration("EIE_RETENTION", Duration.ofDays(90), Duration.ofDays(1), Duration.ofDays(3650));
        Duration futureSkew = env.duration("EIE_MAX_FUTURE_SKEW", Duration.ofMinutes(5), Duration.ZERO, Duration.ofDays(1));
        Duration shutdownTimeout = env.duration("EIE_SHUTDOWN_TIMEOUT", Duration.ofSeconds(20), Duration.ofSeconds(1),
                Duration.ofMinutes(10));

        DatabaseSettings database = database(env);
        MqttSettings mqtt = mqtt(env);
        EmbeddedSettings embedded = new EmbeddedSettings(
                Path.of(env.string("EIE_DATA_DIR", "./data")),
                env.integer("EIE_EMBEDDED_DB_PORT", 0, 0, 65535),
                env.string("EIE_EMBEDDED_MQTT_HOST", "127.0.0.1"),
                env.integer("EIE_EMBEDDED_MQTT_PORT", 1883, 0, 65535),
                env.integer("EIE_EMBEDDED_MQTT_MAX_QUEUE", 5_000_000, 1_000, Integer.MAX_VALUE));
        HttpSettings http = new HttpSettings(
                env.string("EIE_HTTP_HOST", "0.0.0.0"),
                env.integer("EIE_HTTP_PORT", 3000, 0, 65535),
                env.bytes("EIE_HTTP_MAX_BODY", 5L * 1024 * 1024, 1024, 1024L * 1024 * 1024),
                env.integer("EIE_HTTP_MAX_READINGS", 10_000, 1, 1_000_000),
                env.duration("EIE_HTTP_INGEST_TIMEOUT", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofMinutes(10)),
                futureSkew,
                tokens(env),
                env.duration("EIE_EXPORT_MAX_WINDOW", Duration.ofDays(31), Duration.ofHours(1), Duration.ofDays(3650)));
        BatchSettings batch = new BatchSettings(
                // a batch only fills under a backlog; then the larger it is, the more readings of
                // a device share one live-row and one rollup update (BENCHMARKS.md)
                env.integer("EIE_BATCH_SIZE", 10_000, 1, 100_000),
                env.duration("EIE_BATCH_MAX_WAIT", Duration.ZERO, Duration.ZERO, Duration.ofSeconds(10)),
                env.integer("EIE_QUEUE_CAPACITY", 50_000, 1, 10_000_000),
                // two: the second commits beside the first only while a backlog waits, so that
                // PostgreSQL works on two batches at once then (BENCHMARKS.md)
                env.integer("EIE_WRITERS", 2, 1, 64),
                Duration.ofSeconds(5),
                shutdownTimeout);
        ValidationRules validation = new ValidationRules(
                env.decimal("EIE_MAX_KWH_PER_READING", "1000", new BigDecimal("0.001"), new BigDecimal("1000000")),
                futureSkew,
                retention,
                env.decimal("EIE_MAX_REGISTER_KWH", "1000000000", BigDecimal.ONE, new BigDecimal("1000000000000")));
        StorageSettings storage = new StorageSettings(
                retention,
                env.integer("EIE_PARTITIONS_AHEAD", 3, 1, 60),
                env.integer("EIE_REJECTED_PAYLOAD_MAX_BYTES", 8192, 0, 10 * 1024 * 1024),
                new EnergyModes.Defaults(energyMode(env, "EIE_METER_ENERGY_MODE"), energyMode(env, "EIE_VEHICLE_ENERGY_MODE")),
                new PackingSettings(
                        env.duration("EIE_COMPACT_AFTER", PackingSettings.DEFAULTS.after(), Duration.ofHours(2), retention),
                        env.decimal("EIE_COMPACT_SHARE", String.valueOf(PackingSettings.DEFAULTS.share()), new BigDecimal("0.01"), BigDecimal.ONE).doubleValue(),
                        env.duration("EIE_COMPACT_EVERY", PackingSettings.DEFAULTS.every(), Duration.ofSeconds(10),
                                Duration.ofDays(365)),
                        PackingSettings.DEFAULTS.devicesPerStep()));
        AnalyticsSettings analytics = new AnalyticsSettings(
                env.decimal("EIE_EFFICIENCY_THRESHOLD", "0.85", BigDecimal.ZERO, BigDecimal.ONE),
                Duration.ofHours(24),
                Duration.ofDays(31),
                env.decimal("EIE_EFFICIENCY_MIN_KWH", "1", BigDecimal.ZERO, new BigDecimal("1000000")),
                env.decimal("EIE_EFFICIENCY_TOLERANCE", "0.02", BigDecimal.ZERO, BigDecimal.ONE));
        AlarmSettings alarmDefaults = AlarmSettings.DEFAULTS;
        Duration efficiencyWindow = env.duration("EIE_ALARM_EFFICIENCY_WINDOW", alarmDefaults.efficiencyWindow(),
                Duration.ofHours(1), Duration.ofDays(31));
        if (efficiencyWindow.toSeconds() % 3600 != 0) {
            env.problem("EIE_ALARM_EFFICIENCY_WINDOW must be whole hours (the rules read hourly rollups), not "
                    + Durations.format(efficiencyWindow));
        }
        AlarmSettings alarms = new AlarmSettings(
                env.duration("EIE_ALARM_EVALUATE_EVERY", alarmDefaults.evaluateEvery(), Duration.ofSeconds(5), Duration.ofHours(1)),
                efficiencyWindow,
                env.decimal("EIE_ALARM_EFFICIENCY_HYSTERESIS", alarmDefaults.efficiencyHysteresis().toPlainString(),
                        BigDecimal.ZERO, BigDecimal.ONE),
                env.duration("EIE_ALARM_SILENT_AFTER", alarmDefaults.silentAfter(), Duration.ofMinutes(1), Duration.ofDays(1)),
                env.decimal("EIE_ALARM_BATTERY_TEMP_MAX", alarmDefaults.batteryMaxTemp().toPlainString(),
                        new BigDecimal("-40"), new BigDecimal("150")),
                env.integer("EIE_ALARM_BATTERY_READINGS", alarmDefaults.batteryReadings(), 1, 100),
                notifications(env));
        String logLevel = env.string("EIE_LOG_LEVEL", "INFO"); // read by logback.xml; listed and checked here
        if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF").contains(logLevel.toUpperCase(Locale.ROOT))) {
            env.problem("EIE_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF, not \"" + logLevel + "\"");
        }
        String logFormat = env.string("EIE_LOG_FORMAT", "human"); // read by logback.xml; listed and checked here
        if (!List.of("human", "json").contains(logFormat)) {
            env.problem("EIE_LOG_FORMAT must be human or json, not \"" + logFormat + "\"");
        }
        Duration summaryInterval = env.duration("EIE_LOG_SUMMARY_INTERVAL", Duration.ofMinutes(1), Duration.ZERO,
                Duration.ofDays(1));
        if (http.maxReadings() > batch.queueCapacity()) {
            env.problem("EIE_HTTP_MAX_READINGS (" + http.maxReadings() + ") must not exceed EIE_QUEUE_CAPACITY ("
                    + batch.queueCapacity() + "): a request that large could never be queued");
        }
        if (batch.maxBatchSize() > batch.queueCapacity()) {
            env.problem("EIE_BATCH_SIZE (" + batch.maxBatchSize() + ") must not exceed EIE_QUEUE_CAPACITY ("
                    + batch.queueCapacity() + ")");
        }
        if (batch.writers() >= database.poolSize()) {
            env.problem("EIE_WRITERS (" + batch.writers() + ") must be below EIE_DATABASE_POOL_SIZE ("
                    + database.poolSize() + "): each writer holds a connection, and queries need one too");
        }
        if (!env.problems().isEmpty()) {
            throw new ConfigException(env.problems());
        }
        TreeSet<String> unknown = new TreeSet<>();
        for (String name : variables.keySet()) {
            if (name.startsWith("EIE_") && !name.startsWith("EIE_TEST_") && !env.effective().containsKey(name)) {
                unknown.add(name);
            }
        }
        return new Config(database, mqtt, embedded, http, batch, validation, storage, analytics, alarms, summaryInterval,
                Map.copyOf(env.effective()), List.copyOf(unknown));
    }

    private static EnergyMode energyMode(Env env, String name) {
        String value = env.string(name, EnergyMode.INTERVAL.label());
        return EnergyMode.fromLabel(value).orElseGet(() -> {
            env.problem(name + " must be interval or register, not \"" + value + "\"");
            return EnergyMode.INTERVAL;
        });
    }

    private static DatabaseSettings database(Env env) {
        int poolSize = env.integer("EIE_DATABASE_POOL_SIZE", 10, 2, 500);
        Duration connectTimeout = env.duration("EIE_DATABASE_CONNECT_TIMEOUT", Duration.ofSeconds(30),
                Duration.ofSeconds(1), Duration.ofMinutes(30));
        Optional<String> user = env.optional("EIE_DATABASE_USER");
        Optional<String> password = env.secret("EIE_DATABASE_PASSWORD");
        Optional<String> url = env.optional("EIE_DATABASE_URL");
        if (url.isEmpty()) {
            env.mask("EIE_DATABASE_URL", "(not set: embedded PostgreSQL)");
            return new DatabaseSettings(null, user.orElse(null), password.orElse(null), poolSize, connectTimeout);
        }
        String value = url.get();
        if (value.startsWith("jdbc:postgresql:")) {
            env.mask("EIE_DATABASE_URL", value.replaceAll("(?i)(password=)[^&]*", "$1****"));
            return new DatabaseSettings(value, user.orElse(null), password.orElse(null), poolSize, connectTimeout);
        }
        Matcher matcher = POSTGRES_URL.matcher(value);
        if (!matcher.matches() || matcher.group(2).isEmpty()) {
            env.mask("EIE_DATABASE_URL", "(invalid)");
            env.problem("EIE_DATABASE_URL must look like postgresql://user:password@host:5432/database or "
                    + "jdbc:postgresql://host:5432/database");
            return new DatabaseSettings(null, null, null, poolSize, connectTimeout);
        }
        String userInfo = matcher.group(1);
        String urlUser = null;
        String urlPassword = null;
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            urlUser = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            urlPassword = colon < 0 ? null : decode(userInfo.substring(colon + 1));
        }
        String jdbcUrl = "jdbc:postgresql://" + matcher.group(2) + (matcher.group(3) == null ? "/" : matcher.group(3))
                + (matcher.group(4) == null ? "" : "?" + matcher.group(4));
        env.mask("EIE_DATABASE_URL", value.replaceFirst("://([^:@/]*):[^@/]*@", "://$1:****@")
                .replaceAll("(?i)(password=)[^&]*", "$1****"));
        return new DatabaseSettings(jdbcUrl, user.orElse(urlUser), password.orElse(urlPassword), poolSize, connectTimeout);
    }

    private static MqttSettings mqtt(Env env) {
        Optional<String> url = env.optional("EIE_MQTT_URL");
        Optional<String> username = env.optional("EIE_MQTT_USERNAME");
        Optional<String> password = env.secret("EIE_MQTT_PASSWORD");
        Optional<String> trustStore = env.optional("EIE_MQTT_TRUSTSTORE");
        Optional<String> trustStorePassword = env.secret("EIE_MQTT_TRUSTSTORE_PASSWORD");
        Optional<String> clientId = env.optional("EIE_MQTT_CLIENT_ID");
        Optional<String> shareGroup = env.optional("EIE_MQTT_SHARE_GROUP");
        String prefix = topicPrefix(env, env.optional("EIE_MQTT_TOPIC_PREFIX").orElse(""));
        Duration sessionExpiry = env.duration("EIE_MQTT_SESSION_EXPIRY", Duration.ofDays(1), Duration.ofMinutes(1),
                MAX_SESSION_EXPIRY);
        int receiveMaximum = env.integer("EIE_MQTT_RECEIVE_MAXIMUM", 65_535, 1, 65_535);
        int maxPacketSize = (int) env.bytes("EIE_MQTT_MAX_PACKET_SIZE", 32 * 1024, 1024, 256L * 1024 * 1024);

        if (clientId.isEmpty()) {
            env.mask("EIE_MQTT_CLIENT_ID", DEFAULT_CLIENT_ID + " (default)");
            if (shareGroup.isPresent()) {
                env.problem("EIE_MQTT_SHARE_GROUP is set, so each instance needs its own stable EIE_MQTT_CLIENT_ID "
                        + "(instances with the same id would keep disconnecting each other)");
            }
        } else if (clientId.get().length() > 128 || clientId.get().chars().anyMatch(Character::isWhitespace)) {
            env.problem("EIE_MQTT_CLIENT_ID must be 1 to 128 characters without spaces");
        }
        shareGroup.ifPresent(group -> {
            if (group.contains("/") || group.contains("+") || group.contains("#")) {
                env.problem("EIE_MQTT_SHARE_GROUP must not contain /, + or #");
            }
        });

        String host = null;
        int port = 0;
        boolean tls = false;
        if (url.isPresent()) {
            try {
                URI uri = new URI(url.get());
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                tls = scheme.equals("ssl") || scheme.equals("mqtts") || scheme.equals("tls");
                if (!tls && !scheme.equals("tcp") && !scheme.equals("mqtt")) {
                    env.problem("EIE_MQTT_URL must start with tcp:// or ssl:// (mqtt:// and mqtts:// also work), not \""
                            + url.get() + "\"");
                }
                host = uri.getHost();
                if (host == null) {
                    env.problem("EIE_MQTT_URL names no host: \"" + url.get() + "\"");
                }
                port = uri.getPort() == -1 ? (tls ? 8883 : 1883) : uri.getPort();
            } catch (URISyntaxException e) {
                env.problem("EIE_MQTT_URL is not a URL such as tcp://localhost:1883: " + e.getMessage());
            }
        } else {
            env.mask("EIE_MQTT_URL", "(not set: embedded broker)");
        }
        if (trustStore.isPresent() && !tls) {
            env.problem("EIE_MQTT_TRUSTSTORE is set but EIE_MQTT_URL is not an ssl:// URL");
        }
        return new MqttSettings(host, port, tls, trustStore.map(Path::of).orElse(null), trustStorePassword.orElse(null),
                username.orElse(null), password.orElse(null), clientId.orElse(DEFAULT_CLIENT_ID), shareGroup.orElse(null),
                prefix, sessionExpiry, receiveMaximum, maxPacketSize);
    }

    /** The webhooks alarm events go to (any number, separated by commas or spaces), and their signing key. */
    private static NotificationSettings notifications(Env env) {
        NotificationSettings defaults = NotificationSettings.DEFAULTS;
        List<URI> webhooks = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        int entry = 0;
        for (String value : env.optional("EIE_ALARM_WEBHOOK_URL").orElse("").split("[,\\s]+")) {
            if (value.isEmpty()) {
                continue;
            }
            entry++;
            try {
                URI uri = new URI(value);
                if (!List.of("http", "https").contains(String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT))
                        || uri.getHost() == null) {
                    throw new URISyntaxException(value, "not an http or https URL with a host");
                }
                webhooks.add(uri);
                shown.add(NotificationSettings.shown(uri.toString()) + (uri.getRawQuery() == null ? "" : "?****"));
            } catch (URISyntaxException e) {
                // not the value: a URL may carry a token
                env.problem("EIE_ALARM_WEBHOOK_URL must be http or https URLs separated by commas, such as "
                        + "https://ops.example/hooks/eie; its entry " + entry + " is not one");
                env.mask("EIE_ALARM_WEBHOOK_URL", "****");
            }
        }
        if (!webhooks.isEmpty()) {
            env.mask("EIE_ALARM_WEBHOOK_URL", String.join(",", shown)); // a URL may carry a token
        }
        Optional<String> secret = env.secret("EIE_ALARM_WEBHOOK_SECRET");
        if (!webhooks.isEmpty() && secret.map(String::length).orElse(0) < 16) {
            env.problem("EIE_ALARM_WEBHOOK_SECRET must be set, at least 16 characters, whenever EIE_ALARM_WEBHOOK_URL is: "
                    + "receivers check each body's signature with it (openssl rand -hex 32 makes one)");
        }
        return new NotificationSettings(webhooks, secret.orElse(null),
                env.duration("EIE_ALARM_WEBHOOK_TIMEOUT", defaults.timeout(), Duration.ofSeconds(1), Duration.ofMinutes(1)),
                env.duration("EIE_ALARM_NOTIFY_MAX_BACKOFF", defaults.maxBackoff(), Duration.ofSeconds(1), Duration.ofHours(1)));
    }

    private static ApiTokens tokens(Env env) {
        ApiTokens tokens = new ApiTokens(env.secret("EIE_API_TOKEN").orElse(null), env.secret("EIE_API_READ_TOKEN").orElse(null),
                env.secret("EIE_API_WRITE_TOKEN").orElse(null));
        for (String token : new String[] {tokens.api(), tokens.read(), tokens.write()}) {
            if (token != null && (token.length() < 16 || token.chars().anyMatch(c -> c <= ' ' || c > '~'))) {
                env.problem("API tokens (EIE_API_TOKEN, EIE_API_READ_TOKEN, EIE_API_WRITE_TOKEN) must be at least 16 "
                        + "printable ASCII characters without spaces, such as the output of: openssl rand -hex 32");
                break;
            }
        }
        if (tokens.read() != null && tokens.read().equals(tokens.write())) {
            env.problem("EIE_API_READ_TOKEN and EIE_API_WRITE_TOKEN are the same: set EIE_API_TOKEN instead");
        }
        return tokens;
    }

    /** {@code site-1} and {@code site-1/} both become {@code site-1/}; empty stays empty. */
    private static String topicPrefix(Env env, String raw) {
        String prefix = raw.trim();
        while (prefix.startsWith("/")) {
            prefix = prefix.substring(1);
        }
        if (prefix.isEmpty()) {
            return "";
        }
        if (prefix.contains("+") || prefix.contains("#") || prefix.startsWith("$")) {
            env.problem("EIE_MQTT_TOPIC_PREFIX must not contain + or # nor start with $");
        }
        return prefix.endsWith("/") ? prefix : prefix + "/";
    }

    /** Percent-decoding only: in a URL's user part, + is a plus sign, not a space. */
    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** Every configuration problem at once. */
    public static final class ConfigException extends RuntimeException {

        private final List<String> problems;

        ConfigException(List<String> problems) {
            super("invalid configuration: " + String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }
}
