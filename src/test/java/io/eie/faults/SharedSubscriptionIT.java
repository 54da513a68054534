package io.eie.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.eie.testing.EngineExtension;
import io.eie.process.EngineProcess;
import io.eie.testing.EngineJar;
import io.eie.testing.OwnedBroker;
import io.eie.testing.ReadingStream;
import io.eie.testing.TestEngine;
import io.eie.testing.TestInfrastructure.TestDatabase;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two engines on one shared subscription: every reading is stored exactly once, also when the
 * instance doing the work is killed mid-stream (the other takes over) and comes back under its
 * client id (the broker delivers then what that instance had not acknowledged).
 *
 * <p>How the broker spreads the load differs: Mosquitto takes turns, so both instances work from
 * the start; HiveMQ (the engine's own broker) keeps giving messages to a member that has some in
 * flight, so the second instance works once the first is gone.
 */
@ExtendWith(EngineExtension.class)
class SharedSubscriptionIT {

    private static final int READINGS = 8_000;
    private static final String STORED = "eie_readings_total{kind=\"vehicle\",outcome=\"stored\",source=\"mqtt\"}";

    @ParameterizedTest(name = "{0}")
    @EnumSource(OwnedBroker.Kind.class)
    void instances_share_the_load_and_store_every_reading_once_though_one_is_killed(OwnedBroker.Kind kind, TestDatabase database)
            throws Exception {
        assumeThat(kind.available()).as("Mosquitto is not installed on this machine").isTrue();
        Map<String, String> shared = TestEngine.environment(database);
        String prefix = shared.get("EIE_MQTT_TOPIC_PREFIX");
        EngineProcess[] instances = new EngineProcess[2];
        EngineProcess restarted = null;
        try (OwnedBroker broker = OwnedBroker.start(kind, "shared-" + kind.name().toLowerCase())) {
            Map<String, String> a = instance(shared, broker, "a");
            Map<String, String> b = instance(shared, broker, "b");
            instances[0] = EngineJar.start("shared-a", a);
            instances[1] = EngineJar.start("shared-b", b);
            try (ReadingStream fleet = ReadingStream.start(broker.host(), broker.port(), prefix, READINGS, 80, 900,
                    database::storedReadings)) {

                await().atMost(Duration.ofSeconds(60)).until(() -> database.storedReadings() >= 2_500);
                double storedByA = instances[0].metric(STORED);
                double storedByB = instances[1].metric(STORED);
                if (kind == OwnedBroker.Kind.MOSQUITTO) {
                    assertThat(storedByA).as("a took its turns").isPositive();
                    assertThat(storedByB).as("b took its turns").isPositive();
                }
                int busiest = storedByA >= storedByB ? 0 : 1;
                EngineProcess survivor = instances[1 - busiest];
                double survivorBefore = survivor.metric(STORED);
                instances[busiest].kill();
                long storedAtKill = database.storedReadings();

                // the survivor takes over (Mosquitto goes on queueing the dead one's turns in its session)
                await().atMost(Duration.ofSeconds(60)).until(() -> database.storedReadings() >= storedAtKill + 100);
                assertThat(survivor.metric(STORED)).as("the survivor took over").isGreaterThan(survivorBefore);
                restarted = EngineJar.start("shared-" + (busiest == 0 ? "a" : "b") + "-again", busiest == 0 ? a : b);
                fleet.awaitPublished(Duration.ofSeconds(120));
                fleet.awaitAllStored(database, Duration.ofSeconds(60), instances[0].log(), instances[1].log(), restarted.log());
                Thread.sleep(1_000); // a duplicate still on its way would show now
            }

            assertThat(database.storedReadings()).isEqualTo(READINGS);
            assertThat(database.count("SELECT count(DISTINCT (vehicle_id, ts)) FROM vehicle_telemetry_history")).isEqualTo(READINGS);
            assertThat(database.count("SELECT count(*) FROM rejected_telemetry")).isZero();
        } finally {
            for (EngineProcess engine : new EngineProcess[] {instances[0], instances[1], restarted}) {
                if (engine != null) {
                    engine.close();
                }
            }
        }
    }

    /** One instance's settings: the same database, broker, topics and share group; its own client id. */
    private static Map<String, String> instance(Map<String, String> shared, OwnedBroker broker, String name) {
        Map<String, String> env = new HashMap<>(shared);
        env.put("EIE_MQTT_URL", broker.url());
        env.put("EIE_MQTT_SHARE_GROUP", "engines");
        env.put("EIE_MQTT_CLIENT_ID", env.get("EIE_MQTT_CLIENT_ID") + "-" + name);
        env.put("EIE_BATCH_MAX_WAIT", "50ms");
        return env;
    }
}
