package io.eie.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The simulator against a real broker, as a user runs it from the command line. */
class SimulatorIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path home;

    private static EmbeddedHiveMQ broker;
    private static int port;

    @BeforeAll
    static void startBroker() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path conf = Files.createDirectories(home.resolve("conf"));
        Files.writeString(conf.resolve("config.xml"), "<hivemq><listeners><tcp-listener><port>" + port
                + "</port><bind-address>127.0.0.1</bind-address></tcp-listener></listeners>"
                + "<mqtt><queued-messages><max-queue-size>1000000</max-queue-size></queued-messages></mqtt>"
                + "<anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>"
                + "<persistence><mode>in-memory</mode></persistence></hivemq>");
        broker = EmbeddedHiveMQ.builder().withConfigurationFolder(conf)
                .withDataFolder(Files.createDirectories(home.resolve("data")))
                .withExtensionsFolder(Files.createDirectories(home.resolve("extensions")))
                .withoutLoggingBootstrap().build();
        broker.start().join();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @Test
    void backfills_a_fleet_on_a_connection_per_device() throws Exception {
        Map<String, List<JsonNode>> received = subscribe("own/#");

        int exit = run("--broker", "tcp://127.0.0.1:" + port, "--topic-prefix", "own", "--vehicles", "100",
                "--backfill", "10m", "--progress", "1s");

        assertThat(exit).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> count(received) == 2_000);
        assertThat(received).hasSize(200).containsKeys("own/vehicles/V00001", "own/meters/M00100");
        for (List<JsonNode> reports : received.values()) {
            assertThat(reports).hasSize(10);
        }
        JsonNode vehicle = received.get("own/vehicles/V00042").get(0);
        assertThat(vehicle.get("vehicleId").asText()).isEqualTo("V00042");
        assertThat(vehicle.get("soc").isNumber()).isTrue();
        assertThat(vehicle.get("timestamp").asText()).endsWith("Z");
    }

    @Test
    void shares_a_few_connections_and_links_the_fleet_through_the_engines_api() throws Exception {
        Map<String, List<JsonNode>> received = subscribe("shared/#");
        List<String> links = new CopyOnWriteArrayList<>();
        HttpServer engine = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        engine.createContext("/v1/vehicles/", exchange -> {
            links.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        engine.start();
        Path fleet = home.resolve("fleet.json");
        try {
            int exit = run("--broker", "tcp://127.0.0.1:" + port, "--topic-prefix", "shared", "--vehicles", "20",
                    "--connections", "2", "--backfill", "5m", "--register-links",
                    "--engine", "http://127.0.0.1:" + engine.getAddress().getPort(), "--fleet-out", fleet.toString());

            assertThat(exit).isZero();
        } finally {
            engine.stop(0);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> count(received) == 200);
        assertThat(links).hasSize(20).anySatisfy(link -> assertThat(link)
                .startsWith("PUT /v1/vehicles/V00007/meter {\"meterId\": \"M00007\", \"from\": \""));
        JsonNode written = JSON.readTree(fleet.toFile());
        assertThat(written).hasSize(20);
        assertThat(written.get(0).get("efficiency").asDouble()).isBetween(0.6, 0.94);
    }

    private static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    private static Map<String, List<JsonNode>> subscribe(String filter) {
        Map<String, List<JsonNode>> received = new ConcurrentHashMap<>();
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("listener-" + filter.hashCode())
                .serverHost("127.0.0.1").serverPort(port).buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, publish -> {
            try {
                received.computeIfAbsent(publish.getTopic().toString(), topic -> new CopyOnWriteArrayList<>())
                        .add(JSON.readTree(publish.getPayloadAsBytes()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        client.connect().join();
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().join();
        return received;
    }

    private static int count(Map<String, List<JsonNode>> received) {
        return received.values().stream().mapToInt(List::size).sum();
    }
}
