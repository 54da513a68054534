package io.eie.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eie.testing.EngineExtension;
import io.eie.testing.OwnedBroker;
import io.eie.testing.ReadingStream;
import io.eie.testing.TcpProxy;
import io.eie.testing.TestEngine;
import io.eie.testing.TestEngine.Response;
import io.eie.testing.TestInfrastructure.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PostgreSQL out of reach for 30 seconds while devices publish: the engine stays up, says it is
 * not ready, turns HTTP ingest away with 503 and stores nothing meanwhile; once the database is
 * back it goes on by itself and every reading ends up stored exactly once. On a broker of the
 * test's own that queues without limit for the engine while it takes nothing in, as the shipped
 * configuration does: a broker's own cap (Mosquitto's default of 1,000 messages) is not the
 * engine's to keep.
 */
@ExtendWith(EngineExtension.class)
class DatabaseOutageIT {

    private static final int READINGS = 4_000;
    private static final Duration OUTAGE = Duration.ofSeconds(30);

    @Test
    void rides_out_a_thirty_second_database_outage_without_losing_or_doubling_a_reading(TestDatabase database) throws Exception {
        try (OwnedBroker broker = OwnedBroker.start(OwnedBroker.Kind.preferred(), "database-outage");
             TcpProxy proxy = new TcpProxy(database.serverHost(), database.serverPort());
             TestEngine engine = TestEngine.start(database, Map.of(
                     "EIE_DATABASE_URL", database.jdbcUrlVia("127.0.0.1", proxy.port()),
                     "EIE_DATABASE_CONNECT_TIMEOUT", "5s",
                     "EIE_MQTT_URL", broker.url()));
             ReadingStream fleet = ReadingStream.start(broker.host(), broker.port(),
                     engine.topicPrefix(), READINGS, 40, 800, () -> database.storedReadingsExcept("V-http"))) {

            await().atMost(Duration.ofSeconds(60)).until(() -> database.storedReadingsExcept("V-http") >= 1_000);
            proxy.cut();
            Instant cut = Instant.now();

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Response ready = engine.get("/ready");
                assertThat(ready.status()).isEqualTo(503);
                assertThat(ready.json().get("error").asText()).isEqualTo("not_ready");
            });
            Response refused = engine.post("/v1/ingest", reading("V-http", Instant.now().truncatedTo(ChronoUnit.SECONDS)));
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.json().get("error").asText()).isEqualTo("storage_unavailable");
            assertThat(refused.header("Retry-After")).isEqualTo("5");
            long storedDuringOutage = database.storedReadingsExcept("V-http");
            assertThat(engine.get("/health").status()).as("the engine stays up").isEqualTo(200);

            Thread.sleep(Math.max(0, OUTAGE.minus(Duration.between(cut, Instant.now())).toMillis()));
            assertThat(database.storedReadingsExcept("V-http")).as("nothing commits while the database is away")
                    .isEqualTo(storedDuringOutage);
            assertThat(fleet.published()).as("devices went on publishing meanwhile").isGreaterThan((int) storedDuringOutage);
            proxy.restore();

            fleet.awaitPublished(Duration.ofSeconds(120));
            fleet.awaitAllStored(database, Duration.ofSeconds(90));
            await().atMost(Duration.ofSeconds(20)).until(() -> engine.get("/ready").status() == 200);
            Thread.sleep(1_000); // a duplicate still on its way would show now

            assertThat(database.storedReadingsExcept("V-http")).isEqualTo(READINGS);
            assertThat(database.count("SELECT count(DISTINCT (vehicle_id, ts)) FROM vehicle_telemetry_history")).isEqualTo(READINGS);
            assertThat(database.count("SELECT count(*) FROM vehicle_live_status WHERE ts = '" + fleet.lastTimestamp() + "'"))
                    .isEqualTo(40);
            assertThat(database.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-http'"))
                    .as("what was refused with 503 was not stored").isZero();
            assertThat(database.count("SELECT count(*) FROM rejected_telemetry")).isZero();
            assertThat(engine.post("/v1/ingest", reading("V-http", Instant.now().truncatedTo(ChronoUnit.SECONDS))).status())
                    .isEqualTo(200);
        }
    }

    private static String reading(String vehicleId, Instant ts) {
        return "{\"vehicleId\": \"" + vehicleId + "\", \"soc\": 50, \"kwhDeliveredDc\": 1, \"batteryTemp\": 30, "
                + "\"timestamp\": \"" + ts + "\"}";
    }
}
