package io.eie.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eie.testing.EngineProcess;
import io.eie.testing.ReadingStream;
import io.eie.testing.TestEngine;
import io.eie.testing.TestInfrastructure;
import io.eie.testing.TestInfrastructure.TestDatabase;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM while devices publish: the engine stops taking messages in, commits and acknowledges
 * what it took, and exits 0 within its shutdown timeout. The proof that it acknowledged everything
 * it committed: the engine started after it is sent nothing it already has (no duplicates), and
 * between the two every reading is stored exactly once.
 */
class GracefulStopIT {

    private static final int READINGS = 5_000;
    private static final String SHUTDOWN_TIMEOUT = "10s";

    @Test
    void commits_and_acknowledges_what_it_took_and_exits_0_on_sigterm() throws Exception {
        TestInfrastructure infrastructure = TestInfrastructure.get();
        TestDatabase database = infrastructure.newDatabase();
        Map<String, String> env = new HashMap<>(TestEngine.environment(infrastructure, database, infrastructure.newTopicPrefix()));
        env.put("EIE_SHUTDOWN_TIMEOUT", SHUTDOWN_TIMEOUT);
        // batches that wait for company keep readings in the writer when SIGTERM comes
        env.put("EIE_BATCH_MAX_WAIT", "100ms");

        EngineProcess second = null;
        try (EngineProcess first = EngineProcess.start("graceful-stop-first", env);
             ReadingStream fleet = ReadingStream.start(infrastructure.mqttHost(), infrastructure.mqttPort(),
                     env.get("EIE_MQTT_TOPIC_PREFIX"), READINGS, 50, 800, () -> stored(database))) {

            await().atMost(Duration.ofSeconds(60)).until(() -> stored(database) >= 1_500);
            // SIGTERM; the shutdown timeout, plus the JVM's own start and stop, bounds the wait
            int exitCode = first.terminate(Duration.ofSeconds(30));
            long storedAtStop = stored(database);

            assertThat(exitCode).isZero();
            assertThat(Files.readString(first.log())).contains("Stopping", "Stopped");
            assertThat(storedAtStop).isLessThan(READINGS);

            second = EngineProcess.start("graceful-stop-second", env);
            fleet.awaitPublished(Duration.ofSeconds(120));
            fleet.awaitAllStored(database, Duration.ofSeconds(60), first.log(), second.log());
            Thread.sleep(1_000); // a duplicate still on its way would show now

            assertThat(stored(database)).isEqualTo(READINGS);
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

    private static long stored(TestDatabase database) {
        return database.count("SELECT count(*) FROM vehicle_telemetry_history");
    }
}
