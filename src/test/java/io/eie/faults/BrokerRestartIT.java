package io.eie.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.eie.testing.EngineExtension;
import io.eie.testing.OwnedBroker;
import io.eie.testing.ReadingStream;
import io.eie.testing.TestEngine;
import io.eie.testing.TestInfrastructure.TestDatabase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The broker restarted (persistence on) while devices publish: the engine notices, reconnects by
 * itself to its persistent session, and every reading ends up stored exactly once. Run against
 * Mosquitto when the machine has it, and against the engine's own broker everywhere.
 */
@ExtendWith(EngineExtension.class)
class BrokerRestartIT {

    private static final int READINGS = 6_000;
    private static final int VEHICLES = 50;

    @ParameterizedTest(name = "{0}")
    @EnumSource(OwnedBroker.Kind.class)
    void reconnects_and_stores_every_reading_once_across_a_broker_restart(OwnedBroker.Kind kind, TestDatabase database)
            throws Exception {
        assumeThat(kind.available()).as("Mosquitto is not installed on this machine").isTrue();
        try (OwnedBroker broker = OwnedBroker.start(kind, "restart-" + kind.name().toLowerCase());
             TestEngine engine = TestEngine.start(database, Map.of("EIE_MQTT_URL", broker.url()));
             ReadingStream fleet = ReadingStream.start(broker.host(), broker.port(), engine.topicPrefix(), READINGS,
                     VEHICLES, 2_000, database::storedReadings)) {

            await().atMost(Duration.ofSeconds(60)).until(() -> database.storedReadings() >= 1_500);
            broker.stop();
            await().atMost(Duration.ofSeconds(20)).until(() -> engine.get("/ready").status() == 503);
            assertThat(engine.get("/ready").json().at("/details/0/field").asText()).isEqualTo("mqtt");
            long storedWhileDown = database.storedReadings();
            broker.start();

            fleet.awaitPublished(Duration.ofSeconds(120));
            fleet.awaitAllStored(database, Duration.ofSeconds(90));
            await().atMost(Duration.ofSeconds(20)).until(() -> engine.get("/ready").status() == 200);
            Thread.sleep(1_000); // a duplicate still on its way would show now

            assertThat(storedWhileDown).isLessThan(READINGS);
            assertThat(database.storedReadings()).isEqualTo(READINGS);
            assertThat(database.count("SELECT count(DISTINCT (vehicle_id, ts)) FROM vehicle_telemetry_history")).isEqualTo(READINGS);
            assertThat(database.count("SELECT count(*) FROM vehicle_live_status WHERE ts = '" + fleet.lastTimestamp() + "'"))
                    .isEqualTo(VEHICLES);
            assertThat(engine.metric("eie_mqtt_reconnects_total")).isGreaterThanOrEqualTo(1);
        }
    }
}
