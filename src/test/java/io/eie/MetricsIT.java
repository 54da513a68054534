package io.eie;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eie.process.EngineProcess;
import io.eie.testing.TestEngine;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** {@code /metrics} scraped before and after known traffic on both doors: each counter moves by exactly what happened. */
class MetricsIT {

    private static final Instant T = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(1, ChronoUnit.HOURS);

    @Test
    void counts_what_each_door_took_in_by_kind_and_outcome() {
        try (TestEngine engine = TestEngine.start()) {
            String before = scrape(engine);

            // HTTP: a vehicle and a meter reading stored, the vehicle's again (a duplicate), one refused
            // for its soc, and a body that is not JSON (from no kind of device that can be told)
            String vehicle = vehicle("V-m", 50, T);
            engine.post("/v1/ingest", "[" + vehicle + "," + meter("M-m", T) + "," + vehicle("V-m", 500, T.plusSeconds(60)) + "]");
            engine.post("/v1/ingest", vehicle);
            engine.post("/v1/ingest", "{\"vehicleId\": ");
            // MQTT: two vehicle readings stored, one refused for its energy
            engine.publish("vehicles/V-q", vehicle("V-q", 60, T));
            engine.publish("vehicles/V-q", vehicle("V-q", 61, T.plusSeconds(60)));
            engine.publish("vehicles/V-q", vehicle("V-q", 62, T.plusSeconds(120)).replace("\"kwhDeliveredDc\": 0.2", "\"kwhDeliveredDc\": -1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.count("SELECT count(*) FROM rejected_telemetry") == 3
                    && engine.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-q'") == 2);

            String after = scrape(engine);
            assertThat(moved(before, after, "eie_readings_total{kind=\"vehicle\",outcome=\"stored\",source=\"http\"}")).isEqualTo(1);
            assertThat(moved(before, after, "eie_readings_total{kind=\"meter\",outcome=\"stored\",source=\"http\"}")).isEqualTo(1);
            assertThat(moved(before, after, "eie_readings_total{kind=\"vehicle\",outcome=\"duplicate\",source=\"http\"}")).isEqualTo(1);
            assertThat(moved(before, after, "eie_rejections_total{kind=\"vehicle\",reason=\"soc\",source=\"http\"}")).isEqualTo(1);
            assertThat(moved(before, after, "eie_rejections_total{kind=\"unknown\",reason=\"payload\",source=\"http\"}")).isEqualTo(1);
            assertThat(moved(before, after, "eie_http_received_total")).isEqualTo(5);
            assertThat(moved(before, after, "eie_readings_total{kind=\"vehicle\",outcome=\"stored\",source=\"mqtt\"}")).isEqualTo(2);
            assertThat(moved(before, after, "eie_rejections_total{kind=\"vehicle\",reason=\"kwhDeliveredDc\",source=\"mqtt\"}")).isEqualTo(1);
            assertThat(moved(before, after, "eie_readings_total{kind=\"meter\",outcome=\"stored\",source=\"mqtt\"}")).isZero();
            assertThat(moved(before, after, "eie_mqtt_received_total")).isEqualTo(3);
            // every reading stored or found a duplicate has its receipt-to-commit latency; each batch its size and commit time
            assertThat(moved(before, after, "eie_ingest_latency_seconds_count")).isEqualTo(5);
            assertThat(moved(before, after, "eie_batch_size_sum")).isEqualTo(8);
            assertThat(moved(before, after, "eie_batch_commit_seconds_count"))
                    .isEqualTo(moved(before, after, "eie_batch_size_count")).isBetween(2.0, 8.0);
            assertThat(EngineProcess.sample(after, "eie_queue_depth")).isZero();
            assertThat(EngineProcess.sample(after, "eie_mqtt_connected")).isEqualTo(1);
            assertThat(EngineProcess.sample(after, "eie_mqtt_unacknowledged")).isZero();
            assertThat(EngineProcess.sample(after, "eie_mqtt_reconnects_total")).isZero();
            assertThat(EngineProcess.sample(after, "hikaricp_connections_max{pool=\"eie-db\"}")).as("TestEngine's pool").isEqualTo(4);
            assertThat(after).contains("eie_batch_commit_seconds_bucket{le=", "eie_ingest_latency_seconds_bucket{le=",
                    "jvm_memory_used_bytes{", "jvm_gc_", "process_cpu_usage");
        }
    }

    private static String scrape(TestEngine engine) {
        return engine.get("/metrics").raw().body();
    }

    private static double moved(String before, String after, String series) {
        return EngineProcess.sample(after, series) - EngineProcess.sample(before, series);
    }

    private static String vehicle(String id, int soc, Instant at) {
        return "{\"vehicleId\": \"" + id + "\", \"soc\": " + soc + ", \"kwhDeliveredDc\": 0.2, \"batteryTemp\": 30, \"timestamp\": \"" + at + "\"}";
    }

    private static String meter(String id, Instant at) {
        return "{\"meterId\": \"" + id + "\", \"kwhConsumedAc\": 0.25, \"voltage\": 230, \"timestamp\": \"" + at + "\"}";
    }
}
