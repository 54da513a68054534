package io.eie.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.eie.testing.OwnedBroker;
import io.eie.testing.TestEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The broker comes back without the engine's session (its disk lost, or the session expired
 * while the engine was away): the subscriptions, and what was queued, are gone. The engine must
 * not fall silent: it subscribes again on the new session and takes what devices publish from
 * then on.
 */
class SessionExpiryIT {

    @Test
    void takes_readings_again_on_a_new_session_when_the_broker_lost_the_old_one() {
        Instant at = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600);
        try (OwnedBroker broker = OwnedBroker.start(OwnedBroker.Kind.ENGINE_BROKER, "session-expiry");
             TestEngine engine = TestEngine.start(Map.of("EIE_MQTT_URL", broker.url()))) {
            publish(broker, engine.topicPrefix() + "vehicles/V-before", vehicle("V-before", 40, at));
            await().atMost(Duration.ofSeconds(20)).until(() -> engine.database().storedReadingsOf("V-before") == 1);

            broker.stop();
            broker.wipe();
            broker.start();

            await().atMost(Duration.ofSeconds(60)).until(() -> engine.get("/ready").status() == 200);
            publish(broker, engine.topicPrefix() + "vehicles/V-after", vehicle("V-after", 41, at));
            await().atMost(Duration.ofSeconds(30)).until(() -> engine.database().storedReadingsOf("V-after") == 1);
            assertThat(engine.metric("eie_mqtt_reconnects_total")).isGreaterThanOrEqualTo(1);
        }
    }

    private static void publish(OwnedBroker broker, String topic, String payload) {
        Mqtt5BlockingClient device = MqttClient.builder().useMqttVersion5().identifier("device-" + UUID.randomUUID())
                .serverHost(broker.host()).serverPort(broker.port()).buildBlocking();
        device.connect();
        device.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8)).send();
        device.disconnect();
    }

    private static String vehicle(String id, int soc, Instant at) {
        return "{\"vehicleId\": \"" + id + "\", \"soc\": " + soc + ", \"kwhDeliveredDc\": 1, \"batteryTemp\": 30, "
                + "\"timestamp\": \"" + at + "\"}";
    }
}
