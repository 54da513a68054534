package io.eie;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eie.testing.OwnedBroker;
import io.eie.testing.TestEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The product's device simulator (built from device-simulator/ by the test command before the
 * integration tests) backfilling a fleet into the engine: every reading arrives, and the
 * analytics find each charger's efficiency as the simulator played it.
 */
class DeviceSimulatorIT {

    private static final Path SIMULATOR = Path.of("device-simulator/target/device-simulator.jar");
    private static final int VEHICLES = 30;

    @Test
    void the_engine_takes_a_simulated_fleet_and_finds_each_chargers_efficiency() throws Exception {
        assertThat(SIMULATOR).as("built by the test command (maven-invoker-plugin) before this test runs").exists();
        // A backfill publishes faster than the engine commits at first, and Mosquitto's default
        // queue of 1,000 messages per client drops the rest: a broker of the test's own, which
        // queues the backlog, keeps this a test of the simulator and the engine.
        try (OwnedBroker broker = OwnedBroker.start(OwnedBroker.Kind.ENGINE_BROKER, "simulator");
             TestEngine engine = TestEngine.start(Map.of("EIE_MQTT_URL", broker.url()))) {
            Instant before = Instant.now().minus(Duration.ofHours(6)).minusSeconds(60);
            Path fleetFile = Path.of("target", "simulated-fleet.json");
            Process simulator = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", SIMULATOR.toString(),
                    "--broker", broker.url(),
                    "--topic-prefix", engine.topicPrefix(),
                    "--vehicles", Integer.toString(VEHICLES), "--faulty-ratio", "0.3", "--seed", "3",
                    "--connections", "2", "--backfill", "6h",
                    "--register-links", "--engine", "http://127.0.0.1:" + engine.app().httpPort(),
                    "--fleet-out", fleetFile.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(Path.of("target", "device-simulator-it.log").toFile())
                    .start();
            assertThat(simulator.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(simulator.exitValue()).isZero();

            long expected = 2L * VEHICLES * 6 * 60;
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(engine.database().storedReadings())
                    .as("readings stored (%d rejected)", engine.count("SELECT count(*) FROM rejected_telemetry"))
                    .isEqualTo(expected));
            assertThat(engine.count("SELECT count(*) FROM vehicle_meter_link")).isEqualTo(VEHICLES);

            List<String> checked = new ArrayList<>();
            for (JsonNode pair : new ObjectMapper().readTree(fleetFile.toFile())) {
                JsonNode report = engine.get("/v1/analytics/performance/" + pair.get("vehicleId").asText()
                        + "?from=" + before + "&to=" + Instant.now()).json();
                JsonNode ratio = report.get("metrics").get("efficiencyRatio");
                if (ratio.isNull()) {
                    continue; // idle for the whole window: nothing charged, nothing to judge
                }
                double efficiency = pair.get("efficiency").asDouble();
                assertThat(ratio.asDouble()).as(pair.get("vehicleId").asText()).isCloseTo(efficiency,
                        org.assertj.core.data.Offset.offset(0.003));
                assertThat(report.get("efficiencyAlert").asBoolean()).isEqualTo(efficiency < 0.85);
                checked.add(pair.get("vehicleId").asText());
            }
            assertThat(checked).as("vehicles that charged in the window").hasSizeGreaterThan(VEHICLES / 2);
        }
    }

    @Test
    void registers_links_with_the_token_an_engine_with_access_control_wants() throws Exception {
        String token = "simulator-token-0123456789";
        try (OwnedBroker broker = OwnedBroker.start(OwnedBroker.Kind.ENGINE_BROKER, "simulator-token");
             TestEngine engine = TestEngine.start(Map.of("EIE_MQTT_URL", broker.url(), "EIE_API_TOKEN", token))) {
            Process simulator = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", SIMULATOR.toString(), "--broker", broker.url(), "--topic-prefix", engine.topicPrefix(),
                    "--vehicles", "3", "--connections", "1", "--backfill", "10m",
                    "--register-links", "--engine", "http://127.0.0.1:" + engine.app().httpPort(), "--api-token", token)
                    .redirectErrorStream(true)
                    .redirectOutput(Path.of("target", "device-simulator-token-it.log").toFile())
                    .start();
            assertThat(simulator.waitFor(120, TimeUnit.SECONDS)).isTrue();

            assertThat(simulator.exitValue()).isZero();
            assertThat(engine.count("SELECT count(*) FROM vehicle_meter_link")).isEqualTo(3);
        }
    }
}
