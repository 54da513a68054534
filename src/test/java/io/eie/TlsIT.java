package io.eie;

import static io.eie.MqttIngestIT.vehicle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.eie.testing.OwnedBroker;
import io.eie.testing.RawMqtt;
import io.eie.testing.TestCertificates;
import io.eie.testing.TestEngine;
import io.eie.testing.TestInfrastructure;
import io.eie.testing.TestInfrastructure.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The engine over TLS: to an {@code ssl://} broker with a trust store of the operator's choosing,
 * and to PostgreSQL with {@code sslmode=verify-full}; and refusing a server it cannot verify.
 */
class TlsIT {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @Test
    void consumes_from_a_tls_broker_it_trusts_and_not_from_one_it_cannot_verify() throws Exception {
        assumeThat(OwnedBroker.mosquittoBinary()).as("Mosquitto is not installed on this machine").isPresent();
        Path dir = Files.createTempDirectory("eie-tls-mqtt");
        OwnedBroker.openToAll(dir);
        TestCertificates certificates = TestCertificates.create(dir);
        OwnedBroker.openToAll(certificates.keyPem()); // Mosquitto, started as root, reads it as user mosquitto
        int tlsPort = freePort();
        try (OwnedBroker broker = OwnedBroker.mosquitto("tls", port -> """
                per_listener_settings false
                allow_anonymous true
                listener %d 127.0.0.1
                listener %d 127.0.0.1
                certfile %s
                keyfile %s
                """.formatted(port, tlsPort, certificates.certificatePem(), certificates.keyPem()));
             TestEngine engine = TestEngine.start(Map.of("EIE_MQTT_URL", "ssl://localhost:" + tlsPort,
                     "EIE_MQTT_TRUSTSTORE", certificates.trustStore().toString(),
                     "EIE_MQTT_TRUSTSTORE_PASSWORD", certificates.trustStorePassword()));
             TestEngine untrusting = TestEngine.startWithoutWaiting(TestInfrastructure.get().newDatabase(),
                     Map.of("EIE_MQTT_URL", "ssl://localhost:" + tlsPort))) {

            await().atMost(Duration.ofSeconds(20)).until(() -> engine.get("/ready").status() == 200);
            // a device on the broker's plain listener; the engine reads over TLS
            try (RawMqtt device = new RawMqtt(broker.host(), broker.port(), "tls-device")) {
                device.publishQos1(engine.topicPrefix() + "vehicles/V-tls",
                        vehicle("V-tls", 50, "1", 30, NOW).getBytes(StandardCharsets.UTF_8), 1, false);
            }
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    engine.count("SELECT count(*) FROM vehicle_live_status WHERE vehicle_id = 'V-tls'") == 1);

            // the JVM's default trust store does not know the self-signed certificate
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> untrusting.get("/ready").status() == 503);
            assertThat(untrusting.get("/ready").json().at("/details/0/field").asText()).isEqualTo("mqtt");
        }
    }

    @Test
    void connects_to_postgresql_with_verify_full_and_refuses_a_server_it_cannot_verify() throws Exception {
        Path dir = Files.createTempDirectory("eie-tls-pg");
        TestCertificates certificates = TestCertificates.create(dir);
        TestCertificates other = TestCertificates.create(dir.resolve("other"));
        Files.setPosixFilePermissions(certificates.keyPem(), PosixFilePermissions.fromString("rw-------"));
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setServerConfig("ssl", "on")
                .setServerConfig("ssl_cert_file", certificates.certificatePem().toString())
                .setServerConfig("ssl_key_file", certificates.keyPem().toString())
                .start()) {
            String url = "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres?sslmode=verify-full&sslrootcert=";
            TestDatabase verified = new TestDatabase("postgres", url + certificates.certificatePem(), "postgres", null);

            try (TestEngine engine = TestEngine.start(verified, Map.of())) {
                engine.post("/v1/ingest", vehicle("V-pg-tls", 50, "1", 30, NOW));

                assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-pg-tls'")).isEqualTo(1);
                assertThat(engine.count("SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) "
                        + "WHERE backend_type = 'client backend' AND NOT ssl")).as("connections without TLS").isZero();
                assertThat(engine.count("SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) "
                        + "WHERE backend_type = 'client backend' AND ssl")).isGreaterThan(1);
            }

            TestDatabase impostor = new TestDatabase("postgres", url + other.certificatePem(), "postgres", null);
            Throwable refused = catchThrowable(() -> TestEngine.startWithoutWaiting(impostor,
                    Map.of("EIE_DATABASE_CONNECT_TIMEOUT", "2s")));
            assertThat(refused).isNotNull();
            assertThat(rootMessage(refused)).contains("SSL error", "PKIX path validation failed");
        }
    }

    private static String rootMessage(Throwable failure) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append(" / ");
        }
        return messages.toString();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
