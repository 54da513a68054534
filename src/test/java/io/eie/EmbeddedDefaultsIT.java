package io.eie;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.eie.config.Config;
import io.eie.embedded.EmbeddedBroker;
import io.eie.process.EngineProcess;
import io.eie.testing.EngineJar;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a fresh machine gets: no database and no broker configured, so the engine runs its own,
 * keeps their data in the data directory, and finds it again after a restart.
 */
class EmbeddedDefaultsIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    @Test
    void runs_on_its_own_database_and_broker_and_keeps_data_across_restarts() throws Exception {
        Map<String, String> env = Map.of(
                "EIE_DATA_DIR", dataDir.toString(),
                "EIE_EMBEDDED_MQTT_PORT", "0",
                "EIE_HTTP_HOST", "127.0.0.1",
                "EIE_HTTP_PORT", "0");
        Instant ts = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(30);

        try (App app = App.start(Config.fromEnv(env), Clock.systemUTC())) {
            assertThat(app.databaseUrl()).startsWith("jdbc:postgresql://127.0.0.1:");
            await().atMost(Duration.ofSeconds(30)).until(() -> get(app, "/ready").statusCode() == 200);
            URI broker = URI.create(app.mqttUrl());
            Mqtt5BlockingClient device = MqttClient.builder().useMqttVersion5().identifier("embedded-test-device")
                    .serverHost(broker.getHost()).serverPort(broker.getPort()).buildBlocking();
            device.connect();
            device.publishWith().topic("vehicles/V1001").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("{\"soc\": 70, \"kwhDeliveredDc\": 10.5, \"batteryTemp\": 36.5, \"timestamp\": \"" + ts + "\"}")
                            .getBytes(StandardCharsets.UTF_8))
                    .send();
            device.disconnect();
            await().atMost(Duration.ofSeconds(20)).until(() -> get(app, "/v1/vehicles/V1001").statusCode() == 200);
        }
        assertThat(dataDir.resolve("postgres/PG_VERSION")).exists();
        assertThat(dataDir.resolve("mqtt/conf/config.xml")).content().contains("<max-queue-size>5000000</max-queue-size>");

        try (App again = App.start(Config.fromEnv(env), Clock.systemUTC())) {
            HttpResponse<String> vehicle = get(again, "/v1/vehicles/V1001");
            assertThat(vehicle.statusCode()).isEqualTo(200);
            assertThat(vehicle.body()).contains("\"lastReadingAt\":\"" + ts + "\"");
        }
    }

    @Test
    void comes_back_after_a_kill_with_its_data_though_its_database_server_was_left_running() {
        Map<String, String> env = Map.of("EIE_DATA_DIR", dataDir.toString(), "EIE_EMBEDDED_MQTT_PORT", "0",
                "EIE_HTTP_HOST", "127.0.0.1");
        Instant ts = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(30);
        String reading = "{\"meterId\": \"M2001\", \"kwhConsumedAc\": 1.25, \"voltage\": 230, \"timestamp\": \"" + ts + "\"}";

        try (EngineProcess first = EngineJar.start("embedded-before-kill", env)) {
            HttpResponse<String> stored = first.send(HttpRequest.newBuilder().header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(reading)), "/v1/ingest");
            assertThat(stored.statusCode()).isEqualTo(200);
            first.kill();
        }
        assertThat(dataDir.resolve("postgres/postmaster.pid")).as("the killed engine's PostgreSQL runs on").exists();

        try (EngineProcess second = EngineJar.start("embedded-after-kill", env)) {
            HttpResponse<String> meter = second.send(HttpRequest.newBuilder().GET(), "/v1/meters/M2001");
            assertThat(meter.statusCode()).isEqualTo(200);
            assertThat(meter.body()).contains("\"kwhConsumedAc\":1.25");
            second.terminate(Duration.ofSeconds(60));
        }
        assertThat(dataDir.resolve("postgres/postmaster.pid")).as("a clean stop stops its PostgreSQL").doesNotExist();
    }

    /** Whatever a failed test left running on this test's data directory. */
    @AfterEach
    void stopLeftovers() {
        ProcessHandle.allProcesses()
                .filter(process -> process.info().arguments()
                        .map(arguments -> String.join(" ", arguments).contains(dataDir.toString())).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void refuses_at_once_to_start_its_broker_on_a_port_in_use_and_names_the_way_out() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            Map<String, String> env = Map.of("EIE_DATA_DIR", dataDir.toString(),
                    "EIE_EMBEDDED_MQTT_PORT", Integer.toString(taken.getLocalPort()), "EIE_HTTP_PORT", "0");

            assertThatThrownBy(() -> App.start(Config.fromEnv(env), Clock.systemUTC()))
                    .isInstanceOf(EmbeddedBroker.PortTakenException.class)
                    .hasMessageContaining("port " + taken.getLocalPort())
                    .hasMessageContaining("EIE_MQTT_URL")
                    .hasMessageContaining("EIE_EMBEDDED_MQTT_PORT");
            assertThat(dataDir.resolve("postgres")).as("it failed before starting anything").doesNotExist();
        }
    }

    private static HttpResponse<String> get(App app, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
