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
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SIGTERM while devices publish: the engine stops taking messages in, commits and acknowledges
 * what it took, and exits 0 within its shutdown timeout. The proof that it acknowledged everything
 * it committed: the engine started after it is sent nothing it already has (no duplicates), and
 * between the two every reading is stored exactly once.
 *
 * <p>On a broker of the test's own, with the queue for an absent consumer unlimited as the shipped
 * configuration has it: a broker that caps it (Mosquitto's default of 1,000 messages) drops what
 * the fleet publishes while no engine takes it in, and this test is about the engine.
 */
@ExtendWith(EngineExtension.class)
class GracefulStopIT {

    private static final int READINGS = 5_000;
    private static final String SHUTDOWN_TIMEOUT = "10s";

    @ParameterizedTest(name = "{0}")
    @EnumSource(OwnedBroker.Kind.class)
    void commits_and_acknowledges_what_it_took_and_exits_0_on_sigterm(OwnedBroker.Kind kind, TestDatabase database)
            throws Exception {
        assumeThat(kind.available()).as("Mosquitto is not installed on this machine").isTrue();
        Map<String, String> env = TestEngine.environment(database);
        env.put("EIE_SHUTDOWN_TIMEOUT", SHUTDOWN_TIMEOUT);
        // batches that wait for company keep readings in the writer when SIGTERM comes
        env.put("EIE_BATCH_MAX_WAIT", "100ms");

        String name = "graceful-stop-" + kind.name().toLowerCase();
        EngineProcess second = null;
        try (OwnedBroker broker = OwnedBroker.start(kind, name);
             EngineProcess first = EngineJar.start(name + "-first", withBroker(env, broker));
             ReadingStream fleet = ReadingStream.start(broker.host(), broker.port(),
                     env.get("EIE_MQTT_TOPIC_PREFIX"), READINGS, 50, 800, database::storedReadings)) {

            await().atMost(Duration.ofSeconds(60)).until(() -> database.storedReadings() >= 1_500);
            // SIGTERM; the shutdown timeout, plus the JVM's own start and stop, bounds the wait
            int exitCode = first.terminate(Duration.ofSeconds(30));
            long storedAtStop = database.storedReadings();

            assertThat(exitCode).isZero();
            assertThat(Files.readString(first.log())).contains("Stopping", "Stopped");
            assertThat(storedAtStop).isLessThan(READINGS);

            second = EngineJar.start(name + "-second", withBroker(env, broker));
            fleet.awaitPublished(Duration.ofSeconds(120));
            fleet.awaitAllStored(database, Duration.ofSeconds(60), first.log(), second.log(), broker.log());
            Thread.sleep(1_000); // a duplicate still on its way would show now

            assertThat(database.storedReadings()).isEqualTo(READINGS);
            assertThat(database.count("SELECT count(DISTINCT (vehicle_id, ts)) FROM vehicle_telemetry_history")).isEqualTo(READINGS);
            assertThat(second.metric("eie_readings_total{kind=\"vehicle\",outcome=\"duplicate\",source=\"mqtt\"}"))
                    .as("readings the first engine committed were all acknowledged, so none came again").isZero();
            assertThat(second.metric("eie_readings_total{kind=\"vehicle\",outcome=\"stored\",source=\"mqtt\"}"))
                    .isEqualTo(READINGS - storedAtStop);
        } finally {
            if (second != null) {
                second.close();
            }
        }
    }

    private static Map<String, String> withBroker(Map<String, String> env, OwnedBroker broker) {
        Map<String, String> withBroker = new HashMap<>(env);
        withBroker.put("EIE_MQTT_URL", broker.url());
        return withBroker;
    }
}
