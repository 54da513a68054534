package io.eie;

import static io.eie.MqttIngestIT.meter;
import static io.eie.MqttIngestIT.vehicle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.eie.testing.EngineExtension;
import io.eie.testing.OwnedBroker;
import io.eie.testing.TestEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker configuration the project ships ({@code mosquitto/}), run in a real Mosquitto with
 * users made by {@code mosquitto/add-user}: devices log in and may publish only to their own
 * topic, the engine's user reads them all, nobody gets in anonymously. Only the listening port
 * and the paths are changed for the test. Needs Mosquitto installed.
 */
class MosquittoConfigIT {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private static final String ENGINE_PASSWORD = "engine-secret-1234";
    private static final String DEVICE_PASSWORD = "device-secret-1234";
    /** Closed after the extension has stopped the engine that is connected to it. */
    @AutoClose
    private static OwnedBroker broker;
    private static Path config;

    /** The engine, logged in as its user to the broker that {@link #startTheBroker} starts. */
    @RegisterExtension
    static final EngineExtension engines = EngineExtension.withSettings(() -> Map.of("EIE_MQTT_URL", broker.url(),
            "EIE_MQTT_TOPIC_PREFIX", "", "EIE_MQTT_USERNAME", "eie-engine", "EIE_MQTT_PASSWORD", ENGINE_PASSWORD));

    private final TestEngine engine;

    MosquittoConfigIT(TestEngine engine) {
        this.engine = engine;
    }

    @BeforeAll
    static void startTheBroker() throws Exception {
        assumeThat(OwnedBroker.mosquittoBinary()).as("Mosquitto is not installed on this machine").isPresent();
        config = Files.createTempDirectory("eie-mosquitto-config");
        OwnedBroker.openToAll(config);
        for (String file : new String[] {"mosquitto.conf", "acl", "add-user"}) {
            Files.copy(Path.of("mosquitto", file), config.resolve(file));
        }
        addUser("engine", "eie-engine", ENGINE_PASSWORD);
        addUser("vehicle", "V1001", DEVICE_PASSWORD);
        addUser("meter", "M2001", DEVICE_PASSWORD);
        addUser("gateway", "depot-7", DEVICE_PASSWORD);
        addUser("console", "ops-wall", DEVICE_PASSWORD);
        addUser("vehicle", "V-hot", DEVICE_PASSWORD);
        String shipped = Files.readString(config.resolve("mosquitto.conf"));
        broker = OwnedBroker.mosquitto("shipped-config", port -> shipped
                .replace("listener 1883", "listener " + port + " 127.0.0.1")
                .replace("/mosquitto/config/", config + "/")
                .replace("/mosquitto/data/", config + "/"));
    }

    @Test
    void lets_each_device_publish_to_its_own_topic_and_the_engine_read_them() {
        try (Device vehicle = new Device("V1001", DEVICE_PASSWORD); Device meter = new Device("M2001", DEVICE_PASSWORD)) {
            vehicle.publish("vehicles/V1001", vehicle("V1001", 70, "10.5", 36.5, NOW));
            meter.publish("meters/M2001", meter("M2001", "12", 230, NOW));
        }

        await().atMost(Duration.ofSeconds(20)).until(() ->
                engine.count("SELECT count(*) FROM vehicle_live_status WHERE vehicle_id = 'V1001'") == 1
                        && engine.count("SELECT count(*) FROM meter_live_status WHERE meter_id = 'M2001'") == 1);
    }

    @Test
    void refuses_a_device_publishing_to_another_devices_topic() {
        try (Device vehicle = new Device("V1001", DEVICE_PASSWORD); Device meter = new Device("M2001", DEVICE_PASSWORD)) {
            assertThat(vehicle.refusedPublish("vehicles/V1002", vehicle("V1002", 70, "10.5", 36.5, NOW)))
                    .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(vehicle.refusedPublish("meters/V1001", meter("V1001", "1", 230, NOW)))
                    .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(meter.refusedPublish("vehicles/M2001", vehicle("M2001", 70, "10.5", 36.5, NOW)))
                    .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            // a marker from the vehicle's own topic: once it is stored, anything let through before it would be too
            vehicle.publish("vehicles/V1001", vehicle("V1001", 71, "0", 36.5, NOW.plusSeconds(1)));
        }

        await().atMost(Duration.ofSeconds(20)).until(() ->
                engine.count("SELECT count(*) FROM vehicle_live_status WHERE vehicle_id = 'V1001' AND soc = 71") == 1);
        assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id IN ('V1002', 'M2001')")).isZero();
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history WHERE meter_id = 'V1001'")).isZero();
    }

    @Test
    void lets_a_gateway_publish_for_many_devices_but_not_read() throws Exception {
        try (Device gateway = new Device("depot-7", DEVICE_PASSWORD);
             Mqtt5BlockingClient.Mqtt5Publishes received = gateway.client.publishes(MqttGlobalPublishFilter.ALL)) {
            gateway.client.subscribeWith().topicFilter("vehicles/+").qos(MqttQos.AT_LEAST_ONCE).send();
            gateway.publish("vehicles/V-gw1", vehicle("V-gw1", 60, "1", 30, NOW));
            gateway.publish("meters/M-gw1", meter("M-gw1", "1.1", 230, NOW));

            await().atMost(Duration.ofSeconds(20)).until(() ->
                    engine.count("SELECT count(*) FROM vehicle_live_status WHERE vehicle_id = 'V-gw1'") == 1
                            && engine.count("SELECT count(*) FROM meter_live_status WHERE meter_id = 'M-gw1'") == 1);
            assertThat(received.receive(1, TimeUnit.SECONDS)).as("what the gateway was sent").isEmpty();
        }
    }

    @Test
    void delivers_no_telemetry_to_devices() throws Exception {
        try (Device snoop = new Device("V1001", DEVICE_PASSWORD); Device meter = new Device("M2001", DEVICE_PASSWORD);
             Mqtt5BlockingClient.Mqtt5Publishes received = snoop.client.publishes(MqttGlobalPublishFilter.ALL)) {
            // Mosquitto may grant the subscription; its ACL then withholds every message from it
            snoop.client.subscribeWith().topicFilter("meters/+").qos(MqttQos.AT_LEAST_ONCE).send();
            meter.publish("meters/M2001", meter("M2001", "3", 231, NOW.plusSeconds(5)));

            await().atMost(Duration.ofSeconds(20)).until(() ->
                    engine.count("SELECT count(*) FROM meter_telemetry_history WHERE meter_id = 'M2001' AND voltage = 231") == 1);
            assertThat(received.receive(1, TimeUnit.SECONDS)).as("what the device was sent").isEmpty();
        }
    }

    @Test
    void lets_the_engine_publish_alarm_events_for_consoles_and_no_device_publish_there() throws Exception {
        try (Device console = new Device("ops-wall", DEVICE_PASSWORD); Device vehicle = new Device("V-hot", DEVICE_PASSWORD);
             Mqtt5BlockingClient.Mqtt5Publishes received = console.client.publishes(MqttGlobalPublishFilter.ALL)) {
            console.client.subscribeWith().topicFilter("alarms/+").qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(vehicle.refusedPublish("alarms/V-hot", "{\"type\": \"cleared\"}"))
                    .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(console.refusedPublish("alarms/V-hot", "{\"type\": \"cleared\"}"))
                    .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            for (int i = 0; i < 3; i++) { // a battery hot three readings in a row
                vehicle.publish("vehicles/V-hot", vehicle("V-hot", 70, "0", 60 + i, NOW.plusSeconds(10 + i)));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> engine.count(
                    "SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-hot' AND battery_temp >= 60") == 3);

            engine.app().alarmRules().evaluate(Instant.now());

            Mqtt5Publish event = received.receive(20, TimeUnit.SECONDS).orElseThrow();
            assertThat(event.getTopic()).hasToString("alarms/V-hot");
            String body = new String(event.getPayloadAsBytes(), StandardCharsets.UTF_8);
            assertThat(body).contains("\"type\":\"raised\"", "\"rule\":\"battery_temperature\"", "\"deviceId\":\"V-hot\"");
            assertThat(received.receive(1, TimeUnit.SECONDS)).as("only the engine's event").isEmpty();
        }
    }

    @Test
    void refuses_anonymous_clients_and_wrong_passwords() {
        assertThat(refusedConnect(null, null)).isIn(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(refusedConnect("V1001", "not-the-password")).isIn(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED,
                Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void admits_a_device_added_while_the_broker_runs_after_a_reload() throws Exception {
        addUser("vehicle", "V-new", DEVICE_PASSWORD);
        broker.reload();

        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            try (Device added = new Device("V-new", DEVICE_PASSWORD)) {
                added.publish("vehicles/V-new", vehicle("V-new", 40, "1", 20, NOW));
            }
        });
        await().atMost(Duration.ofSeconds(20)).until(() ->
                engine.count("SELECT count(*) FROM vehicle_live_status WHERE vehicle_id = 'V-new'") == 1);
    }

    private static void addUser(String kind, String id, String password) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(config.resolve("add-user").toString(), kind, id).redirectErrorStream(true);
        builder.environment().put("MOSQUITTO_CONFIG_DIR", config.toString());
        builder.environment().put("MQTT_PASSWORD", password);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("add-user %s %s: %s", kind, id, output).isZero();
        OwnedBroker.openToAll(config.resolve("passwords"));
    }

    private static Mqtt5ConnAckReasonCode refusedConnect(String username, String password) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("intruder-" + UUID.randomUUID())
                .serverHost(broker.host()).serverPort(broker.port()).buildBlocking();
        var connect = client.connectWith();
        if (username != null) {
            connect.simpleAuth().username(username).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        }
        Mqtt5ConnAckException refused = catchThrowableOfType(Mqtt5ConnAckException.class, connect::send);
        return refused.getMqttMessage().getReasonCode();
    }

    /** A device logged in with its own id as user name. */
    private static final class Device implements AutoCloseable {

        private final Mqtt5BlockingClient client;

        Device(String id, String password) {
            client = MqttClient.builder().useMqttVersion5().identifier(id + "-" + UUID.randomUUID())
                    .serverHost(broker.host()).serverPort(broker.port()).buildBlocking();
            client.connectWith().simpleAuth().username(id).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                    .send();
        }

        void publish(String topic, String payload) {
            client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8)).send();
        }

        Mqtt5PubAckReasonCode refusedPublish(String topic, String payload) {
            Mqtt5PubAckException refused = catchThrowableOfType(Mqtt5PubAckException.class, () -> publish(topic, payload));
            return refused == null ? null : refused.getMqttMessage().getReasonCode();
        }

        @Override
        public void close() {
            client.disconnect();
        }
    }
}
