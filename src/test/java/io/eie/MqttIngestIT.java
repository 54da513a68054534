package io.eie;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.eie.testing.EngineExtension;
import io.eie.testing.RawMqtt;
import io.eie.testing.TestEngine;
import io.eie.testing.TestInfrastructure;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Readings published over MQTT, as devices send them, end up in the history and live tables. */
@ExtendWith(EngineExtension.class)
class MqttIngestIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Instant BASE = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(2, ChronoUnit.HOURS);

    private final TestEngine engine;

    MqttIngestIT(TestEngine engine) {
        this.engine = engine;
    }

    @Test
    void stores_published_readings_in_history_and_live_tables() {
        engine.publish("meters/M-1", meter(null, "13.2", 230, BASE));
        engine.publish("vehicles/V-1", vehicle("V-1", 70, "10.5", 36.5, BASE));

        await().atMost(WAIT).until(() -> engine.count("SELECT count(*) FROM meter_live_status WHERE meter_id = 'M-1'") == 1
                && engine.count("SELECT count(*) FROM vehicle_live_status WHERE vehicle_id = 'V-1'") == 1);
        assertThat(engine.queryValue("SELECT kwh_consumed_ac FROM meter_telemetry_history WHERE meter_id = 'M-1'"))
                .isEqualTo(new BigDecimal("13.2"));
        assertThat(engine.queryValue("SELECT voltage FROM meter_live_status WHERE meter_id = 'M-1'")).isEqualTo(230.0);
        assertThat(engine.queryValue("SELECT soc FROM vehicle_telemetry_history WHERE vehicle_id = 'V-1'")).isEqualTo(70.0);
        assertThat(engine.queryValue("SELECT battery_temp FROM vehicle_live_status WHERE vehicle_id = 'V-1'")).isEqualTo(36.5);
        assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-1' "
                + "AND ts = '" + BASE + "' AND received_at > ts")).isEqualTo(1);
    }

    @Test
    void stores_the_same_reading_sent_three_times_once() {
        String payload = vehicle("V-dup", 50, "1.25", 30, BASE);
        for (int i = 0; i < 3; i++) {
            engine.publish("vehicles/V-dup", payload);
        }
        engine.publish("vehicles/V-dup", vehicle("V-dup", 51, "1.25", 30, BASE.plusSeconds(60)));

        await().atMost(WAIT).until(() ->
                engine.count("SELECT count(*) FROM vehicle_live_status WHERE vehicle_id = 'V-dup' AND soc = 51") == 1);
        assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-dup'")).isEqualTo(2);
        assertThat(engine.queryValue("SELECT sum(kwh_delivered_dc) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-dup'"))
                .isEqualTo(new BigDecimal("2.50"));
    }

    @Test
    void stores_a_reading_redelivered_with_the_dup_flag_once_and_counts_it_once_in_analytics() {
        Instant ts = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(10, ChronoUnit.MINUTES);
        engine.put("/v1/vehicles/V-redeliver/meter", "{\"meterId\": \"M-redeliver\", \"from\": \"" + ts.minus(1, ChronoUnit.HOURS) + "\"}");
        byte[] meterReading = meter(null, "2.5", 230, ts).getBytes(StandardCharsets.UTF_8);
        byte[] vehicleReading = vehicle("V-redeliver", 60, "2.25", 31, ts).getBytes(StandardCharsets.UTF_8);
        try (RawMqtt device = new RawMqtt(TestInfrastructure.get().mqttHost(), TestInfrastructure.get().mqttPort(),
                "raw-" + engine.topicPrefix().replace("/", ""))) {
            for (int attempt = 0; attempt < 3; attempt++) {
                // a device that missed the PUBACK sends again, with DUP set and the same packet id
                device.publishQos1(engine.topicPrefix() + "meters/M-redeliver", meterReading, 7, attempt > 0);
                device.publishQos1(engine.topicPrefix() + "vehicles/V-redeliver", vehicleReading, 8, attempt > 0);
            }
        }
        engine.publish("vehicles/V-redeliver", vehicle("V-redeliver", 61, "0", 31, ts.plusSeconds(60)));

        await().atMost(WAIT).until(() ->
                engine.count("SELECT count(*) FROM vehicle_live_status WHERE vehicle_id = 'V-redeliver' AND soc = 61") == 1);
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history WHERE meter_id = 'M-redeliver'")).isEqualTo(1);
        assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-redeliver'")).isEqualTo(2);
        JsonNode metrics = engine.get("/v1/analytics/performance/V-redeliver").json().get("metrics");
        assertThat(metrics.get("meterReadings").asLong()).isEqualTo(1);
        assertThat(metrics.get("vehicleReadings").asLong()).isEqualTo(2);
        assertThat(metrics.get("totalEnergyConsumedAc").decimalValue()).isEqualByComparingTo("2.5");
        assertThat(metrics.get("totalEnergyDeliveredDc").decimalValue()).isEqualByComparingTo("2.25");
        assertThat(metrics.get("efficiencyRatio").decimalValue()).isEqualByComparingTo("0.9");
    }

    @Test
    void never_moves_the_live_row_back_to_an_older_reading() {
        engine.publish("meters/M-late", meter("M-late", "0.5", 231, BASE.plusSeconds(3_000)));
        await().atMost(WAIT).until(() -> engine.count("SELECT count(*) FROM meter_live_status WHERE meter_id = 'M-late'") == 1);

        for (int minute = 1; minute <= 50; minute++) { // a burst of older readings, as from a device back online
            engine.publish("meters/M-late", meter("M-late", "0.1", 180 + minute, BASE.plusSeconds(3_000 - 60L * minute)));
        }

        await().atMost(WAIT).until(() -> engine.count("SELECT count(*) FROM meter_telemetry_history WHERE meter_id = 'M-late'") == 51);
        assertThat(engine.count("SELECT count(*) FROM meter_live_status WHERE meter_id = 'M-late' "
                + "AND ts = '" + BASE.plusSeconds(3_000) + "'")).isEqualTo(1);
        assertThat(engine.queryValue("SELECT voltage FROM meter_live_status WHERE meter_id = 'M-late'")).isEqualTo(231.0);
    }

    @Test
    void rejects_and_records_a_payload_whose_id_contradicts_its_topic() {
        engine.publish("meters/M-topic", meter("M-other", "1", 230, BASE));

        await().atMost(WAIT).until(() -> engine.count("SELECT count(*) FROM rejected_telemetry WHERE device_id = 'M-topic'") == 1);
        assertThat(engine.queryValue("SELECT topic FROM rejected_telemetry WHERE device_id = 'M-topic'"))
                .isEqualTo(engine.topicPrefix() + "meters/M-topic");
        assertThat(engine.queryValue("SELECT source FROM rejected_telemetry WHERE device_id = 'M-topic'")).isEqualTo("mqtt");
        assertThat(engine.queryValue("SELECT reasons::text FROM rejected_telemetry WHERE device_id = 'M-topic'").toString())
                .contains("meterId \\\"M-other\\\" differs from the topic's device id \\\"M-topic\\\"");
        assertThat(engine.queryValue("SELECT convert_from(payload, 'UTF8') FROM rejected_telemetry WHERE device_id = 'M-topic'"))
                .isEqualTo(meter("M-other", "1", 230, BASE));
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history WHERE meter_id IN ('M-topic', 'M-other')")).isZero();
        assertThat(engine.count("SELECT count(*) FROM meter_live_status WHERE meter_id IN ('M-topic', 'M-other')")).isZero();
    }

    @Test
    void records_garbage_and_goes_on_storing_valid_readings() {
        engine.publish("vehicles/V-garbage", new byte[] {(byte) 0xFF, 0x00, 0x7B});
        engine.publish("vehicles/V-garbage", "{\"soc\": \"full\"}");
        engine.publish("meters/V-garbage", vehicle("V-garbage", 10, "1", 20, BASE));
        engine.publish("vehicles/V-garbage", "{\"soc\": 1, \"x\": 1e-2147483649}");
        engine.publish("vehicles/V-garbage", "{\"soc\": tru\u0000e}");
        engine.publish("vehicles/V-garbage", vehicle("V-garbage", 10, "1", 20, BASE));

        await().atMost(WAIT).until(() -> engine.count("SELECT count(*) FROM vehicle_live_status WHERE vehicle_id = 'V-garbage'") == 1);
        await().atMost(WAIT).until(() -> engine.count("SELECT count(*) FROM rejected_telemetry WHERE device_id = 'V-garbage'") == 5);
        assertThat(engine.queryValue("SELECT payload FROM rejected_telemetry WHERE device_id = 'V-garbage' ORDER BY id LIMIT 1"))
                .isEqualTo(new byte[] {(byte) 0xFF, 0x00, 0x7B});
    }

    @Test
    void caps_the_payload_kept_of_a_rejected_message() {
        String huge = "{\"soc\": 1, \"pad\": \"" + "x".repeat(20_000) + "\"}";
        engine.publish("vehicles/V-huge", huge);

        await().atMost(WAIT).until(() -> engine.count("SELECT count(*) FROM rejected_telemetry WHERE device_id = 'V-huge'") == 1);
        assertThat(engine.count("SELECT octet_length(payload) FROM rejected_telemetry WHERE device_id = 'V-huge'")).isEqualTo(8192);
        assertThat(engine.count("SELECT payload_size FROM rejected_telemetry WHERE device_id = 'V-huge'")).isEqualTo(huge.length());
    }

    static String meter(String meterId, String kwh, double voltage, Instant ts) {
        return "{" + (meterId == null ? "" : "\"meterId\": \"" + meterId + "\", ") + "\"kwhConsumedAc\": " + kwh
                + ", \"voltage\": " + voltage + ", \"timestamp\": \"" + ts + "\"}";
    }

    static String vehicle(String vehicleId, double soc, String kwh, double temp, Instant ts) {
        return "{\"vehicleId\": \"" + vehicleId + "\", \"soc\": " + soc + ", \"kwhDeliveredDc\": " + kwh
                + ", \"batteryTemp\": " + temp + ", \"timestamp\": \"" + ts + "\"}";
    }
}
