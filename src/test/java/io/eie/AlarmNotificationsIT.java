package io.eie;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.sun.net.httpserver.HttpServer;
import io.eie.testing.EngineExtension;
import io.eie.testing.TestEngine;
import io.eie.testing.TestInfrastructure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Alarm events out: each posted to the webhook, signed, retried with backoff while the receiver
 * fails or is down (across a restart of the engine) until it takes it, and published to the
 * broker; what waits is visible in the API and the metrics.
 */
class AlarmNotificationsIT {

    private static final String SECRET = "a-webhook-secret-of-some-length";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the receiver was sent, and how it answered. */
    private record Received(Instant at, int status, String signature, String eventId, byte[] body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    /** The receiver answers 500 to this many requests first. */
    private final AtomicInteger failFirst = new AtomicInteger();
    private HttpServer receiver;
    private int receiverPort;

    /** Each test's engine posts to this test's receiver, started first. */
    @RegisterExtension
    final EngineExtension engines = EngineExtension.withSettings(() -> Map.of("EIE_ALARM_EVALUATE_EVERY", "1h",
            "EIE_ALARM_WEBHOOK_URL", "http://127.0.0.1:" + receiverPort() + "/hooks/eie?token=t0k3n",
            "EIE_ALARM_WEBHOOK_SECRET", SECRET, "EIE_ALARM_WEBHOOK_TIMEOUT", "2s"));

    private int receiverPort() {
        if (receiver == null) {
            try {
                startReceiver(0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return receiverPort;
    }

    private void startReceiver(int port) throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        receiver.createContext("/hooks/eie", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status = failFirst.getAndDecrement() > 0 ? 500 : 204;
            received.add(new Received(Instant.now(), status, exchange.getRequestHeaders().getFirst("X-EIE-Signature"),
                    exchange.getRequestHeaders().getFirst("X-EIE-Event-Id"), body));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        receiverPort = receiver.getAddress().getPort();
    }

    @AfterEach
    void stopReceiver() {
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void posts_each_event_signed_retries_while_the_receiver_fails_and_publishes_it_to_the_broker(TestEngine engine)
            throws Exception {
        failFirst.set(2);
        Mqtt5BlockingClient console = MqttClient.builder().useMqttVersion5().identifier("console-" + UUID.randomUUID())
                .serverHost(TestInfrastructure.get().mqttHost()).serverPort(TestInfrastructure.get().mqttPort())
                .buildBlocking();
        console.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes published = console.publishes(MqttGlobalPublishFilter.ALL)) {
            console.subscribeWith().topicFilter(engine.topicPrefix() + "alarms/+").qos(MqttQos.AT_LEAST_ONCE).send();
            long alarm = raiseBatteryAlarm(engine, "V1");

            await().atMost(Duration.ofSeconds(30)).until(() -> received.stream().anyMatch(r -> r.status() == 204));

            assertThat(received).hasSize(3).allSatisfy(request -> {
                assertThat(request.signature()).isEqualTo("sha256=" + hmac(request.body()));
                assertThat(request.json().get("id").asText()).isEqualTo(request.eventId());
            });
            assertThat(received).extracting(request -> new String(request.body(), StandardCharsets.UTF_8))
                    .as("every attempt sends the same bytes").containsOnly(new String(received.get(0).body(), StandardCharsets.UTF_8));
            assertThat(Duration.between(received.get(0).at(), received.get(1).at())).isGreaterThanOrEqualTo(Duration.ofMillis(900));
            assertThat(Duration.between(received.get(1).at(), received.get(2).at())).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
            JsonNode event = received.get(2).json();
            assertThat(event.get("type").asText()).isEqualTo("raised");
            assertThat(event.get("alarm").get("id").asLong()).isEqualTo(alarm);
            assertThat(event.get("alarm").get("rule").asText()).isEqualTo("battery_temperature");
            assertThat(event.get("alarm").get("deviceId").asText()).isEqualTo("V1");
            assertThat(event.get("value").decimalValue()).isEqualByComparingTo("62");

            Mqtt5Publish onBroker = published.receive(20, TimeUnit.SECONDS).orElseThrow();
            assertThat(onBroker.getTopic()).hasToString(engine.topicPrefix() + "alarms/V1");
            assertThat(JSON.readTree(onBroker.getPayloadAsBytes()).get("id").asText()).isEqualTo(received.get(0).eventId());

            // an acknowledgement is an event too, and goes out the same way
            engine.post("/v1/alarms/" + alarm + "/acknowledge", "{\"by\": \"Ada\"}");
            await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 4);
            assertThat(received.get(3).json().get("type").asText()).isEqualTo("acknowledged");
            assertThat(received.get(3).json().get("by").asText()).isEqualTo("Ada");
        } finally {
            console.disconnect();
        }
        JsonNode deliveries = engine.get("/v1/alarms/" + raisedAlarmId(engine)).json().get("events").get(0).get("deliveries");
        assertThat(deliveries).extracting(delivery -> delivery.get("target").asText() + " " + delivery.get("state").asText()
                        + " " + delivery.get("attempts").asInt())
                .containsExactlyInAnyOrder("http://127.0.0.1:" + receiverPort + "/hooks/eie delivered 3", "mqtt delivered 1");
        assertThat(engine.get("/v1/notifications").json().get("targets")).isEmpty();
        assertThat(engine.metric("eie_alarm_notifications_total{channel=\"webhook\",outcome=\"failed\"}")).isEqualTo(2);
        assertThat(engine.metric("eie_alarm_notifications_total{channel=\"webhook\",outcome=\"delivered\"}")).isEqualTo(2);
    }

    @Test
    void keeps_an_event_the_receiver_could_not_take_across_a_restart_and_delivers_it_once_it_is_back(TestEngine engine)
            throws Exception {
        int port = receiverPort;
        receiver.stop(0);
        raiseBatteryAlarm(engine, "V2");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode pending = engine.get("/v1/notifications").json().get("targets");
            assertThat(pending).hasSize(1);
            assertThat(pending.get(0).get("target").asText()).isEqualTo("http://127.0.0.1:" + port + "/hooks/eie");
            assertThat(pending.get(0).get("failing").asInt()).isEqualTo(1);
            assertThat(pending.get(0).get("lastError").asText()).isNotBlank();
            assertThat(engine.metric("eie_alarm_notifications_failing{channel=\"webhook\"}")).isEqualTo(1);
        });
        engine.close();

        startReceiver(port);
        try (TestEngine restarted = TestEngine.start(engine.database(), Map.of("EIE_ALARM_EVALUATE_EVERY", "1h",
                "EIE_ALARM_WEBHOOK_URL", "http://127.0.0.1:" + port + "/hooks/eie?token=t0k3n",
                "EIE_ALARM_WEBHOOK_SECRET", SECRET))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1);
            assertThat(received.get(0).json().get("alarm").get("deviceId").asText()).isEqualTo("V2");
            assertThat(received.get(0).signature()).isEqualTo("sha256=" + hmac(received.get(0).body()));
            await().atMost(Duration.ofSeconds(10)).until(() -> restarted.get("/v1/notifications").json().get("targets").isEmpty());
        }
    }

    /** Three hot readings and an evaluation: a battery_temperature alarm; its id. */
    private static long raiseBatteryAlarm(TestEngine engine, String vehicle) {
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);
        StringBuilder readings = new StringBuilder("[");
        for (int i = 0; i < 3; i++) {
            readings.append(i == 0 ? "" : ",").append("{\"vehicleId\":\"").append(vehicle)
                    .append("\",\"soc\":50,\"kwhDeliveredDc\":0.1,\"batteryTemp\":").append(60 + i)
                    .append(",\"timestamp\":\"").append(start.plusSeconds(i)).append("\"}");
        }
        assertThat(engine.post("/v1/ingest", readings + "]").json().get("accepted").asInt()).isEqualTo(3);
        assertThat(engine.app().alarmRules().evaluate(Instant.now()).raised()).containsValue(1);
        return raisedAlarmId(engine);
    }

    private static long raisedAlarmId(TestEngine engine) {
        return engine.get("/v1/alarms?rule=battery_temperature").json().get("alarms").get(0).get("id").asLong();
    }

    private static String hmac(byte[] body) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }
}
