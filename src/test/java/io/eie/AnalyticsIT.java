package io.eie;

import static io.eie.MqttIngestIT.meter;
import static io.eie.MqttIngestIT.vehicle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eie.testing.EngineExtension;
import io.eie.testing.TestEngine;
import io.eie.testing.TestEngine.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code GET /v1/analytics/performance/{vehicleId}} against a fixture published over MQTT, whose
 * totals are worked out by hand, with the vehicle moved from one meter to another inside the window.
 */
@ExtendWith(EngineExtension.class)
class AnalyticsIT {

    /** The fixture's reference hour, 20 hours before the test runs: inside the default 24-hour window. */
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(20, ChronoUnit.HOURS);
    private final TestEngine engine;

    AnalyticsIT(TestEngine engine) {
        this.engine = engine;
    }

    @BeforeAll
    static void loadFixture(TestEngine engine) {
        // V-an is fed by M-one from T0 - 10h, then by M-two from T0 + 8h on.
        assertThat(engine.put("/v1/vehicles/V-an/meter", "{\"meterId\": \"M-one\", \"from\": \"" + at(-10 * 60) + "\"}").status())
                .isEqualTo(200);
        assertThat(engine.put("/v1/vehicles/V-an/meter", "{\"meterId\": \"M-two\", \"from\": \"" + at(8 * 60) + "\"}").status())
                .isEqualTo(200);
        publish(engine,
                meter("M-one", "5.0", 230, at(-6 * 60)),   // linked, but 26 h ago: before the window
                meter("M-one", "1.1", 230, at(0)),          // counted
                meter("M-one", "2.2", 231, at(60)),         // counted
                meter("M-one", "0.3", 229, at(8 * 60 - 1)), // counted: the last minute of the link
                meter("M-one", "9.9", 230, at(9 * 60)),     // after the link ended: another vehicle's energy
                meter("M-two", "7.7", 230, at(2 * 60)),     // before M-two fed V-an
                meter("M-two", "0.1", 232, at(8 * 60)),     // counted: the first minute of the link
                meter("M-two", "0.2", 232, at(10 * 60)),    // counted
                meter("M-two", "4.4", 233, at(12 * 60)),    // counted; M-two's latest reading
                vehicle("V-an", 20, "3.0", 25, at(-5 * 60)),   // before the window
                vehicle("V-an", 35, "2.5", 30, at(60)),
                vehicle("V-an", 50, "2.4", 32, at(5 * 60)),
                vehicle("V-an", 64, "2.2", 34.5, at(11 * 60)));
        // V-part is linked only from T0 + 2h: what it charged before then has no AC to compare with.
        engine.put("/v1/vehicles/V-part/meter", "{\"meterId\": \"M-part\", \"from\": \"" + at(2 * 60) + "\"}");
        publish(engine, vehicle("V-part", 30, "5.0", 30, at(60)), meter("M-part", "9.0", 230, at(60)),
                vehicle("V-part", 40, "2.0", 31, at(3 * 60)), meter("M-part", "2.5", 230, at(3 * 60)));
        // V-bad charges through a lossy charger; V-alone has no meter.
        engine.put("/v1/vehicles/V-bad/meter", "{\"meterId\": \"M-bad\", \"from\": \"" + at(-60) + "\"}");
        publish(engine, meter("M-bad", "10", 230, at(60)), vehicle("V-bad", 40, "7", 31, at(60)),
                vehicle("V-alone", 40, "3", 31, at(60)));
    }

    @Test
    void sums_each_meter_only_over_the_part_of_the_window_its_link_covers() {
        Response response = engine.get("/v1/analytics/performance/V-an");

        assertThat(response.status()).isEqualTo(200);
        JsonNode report = response.json();
        JsonNode metrics = report.get("metrics");
        assertThat(report.get("vehicleId").asText()).isEqualTo("V-an");
        assertThat(report.get("meterIds").toString()).isEqualTo("[\"M-one\",\"M-two\"]");
        // AC: 1.1 + 2.2 + 0.3 (M-one) + 0.1 + 0.2 + 4.4 (M-two) = 8.3; DC: 2.5 + 2.4 + 2.2 = 7.1
        assertThat(metrics.get("totalEnergyConsumedAc").toString()).isEqualTo("8.3");
        assertThat(metrics.get("totalEnergyDeliveredDc").toString()).isEqualTo("7.1");
        assertThat(metrics.get("linkedEnergyDeliveredDc").toString()).isEqualTo("7.1");
        // 7.1 / 8.3 = 0.85542...
        assertThat(metrics.get("efficiencyRatio").toString()).isEqualTo("0.8554");
        // (30 + 32 + 34.5) / 3 = 32.1666...
        assertThat(metrics.get("avgBatteryTemp").asDouble()).isEqualTo(32.17);
        assertThat(metrics.get("vehicleReadings").asLong()).isEqualTo(3);
        assertThat(metrics.get("meterReadings").asLong()).isEqualTo(6);
        assertThat(report.get("efficiencyAlert").asBoolean()).isFalse();
        Instant to = Instant.parse(report.get("window").get("to").asText());
        assertThat(Instant.parse(report.get("window").get("from").asText())).isEqualTo(to.minus(24, ChronoUnit.HOURS));
        assertThat(to).isBetween(Instant.now().minusSeconds(60), Instant.now());
    }

    @Test
    void shows_the_latest_snapshot_of_the_vehicle_and_its_current_meter() {
        JsonNode snapshot = engine.get("/v1/analytics/performance/V-an").json().get("latestSnapshot");

        assertThat(snapshot.get("soc").asDouble()).isEqualTo(64.0);
        assertThat(snapshot.get("batteryTemp").asDouble()).isEqualTo(34.5);
        assertThat(snapshot.get("kwhDeliveredDc").toString()).isEqualTo("2.2");
        assertThat(snapshot.get("lastReadingAt").asText()).isEqualTo(at(11 * 60).toString());
        assertThat(snapshot.get("meter").get("meterId").asText()).isEqualTo("M-two");
        assertThat(snapshot.get("meter").get("kwhConsumedAc").toString()).isEqualTo("4.4");
        assertThat(snapshot.get("meter").get("voltage").asDouble()).isEqualTo(233.0);
        assertThat(snapshot.get("meter").get("lastReadingAt").asText()).isEqualTo(at(12 * 60).toString());
    }

    @Test
    void answers_an_explicit_window_exactly_without_float_drift() {
        JsonNode report = engine.get("/v1/analytics/performance/V-an?from=" + at(8 * 60) + "&to=" + at(12 * 60)).json();

        // Only M-two's link overlaps [T0+8h, T0+12h): 0.1 + 0.2, with the reading at T0+12h left out.
        assertThat(report.get("meterIds").toString()).isEqualTo("[\"M-two\"]");
        assertThat(report.get("metrics").get("totalEnergyConsumedAc").toString()).isEqualTo("0.3");
        assertThat(report.get("metrics").get("totalEnergyDeliveredDc").toString()).isEqualTo("2.2");
        assertThat(report.get("window").get("from").asText()).isEqualTo(at(8 * 60).toString());
        assertThat(report.get("window").get("to").asText()).isEqualTo(at(12 * 60).toString());
    }

    @Test
    void compares_ac_only_with_the_dc_delivered_while_a_meter_was_linked() {
        JsonNode metrics = engine.get("/v1/analytics/performance/V-part").json().get("metrics");

        assertThat(metrics.get("totalEnergyDeliveredDc").toString()).isEqualTo("7");
        assertThat(metrics.get("linkedEnergyDeliveredDc").toString()).isEqualTo("2");
        assertThat(metrics.get("totalEnergyConsumedAc").toString()).isEqualTo("2.5");
        assertThat(metrics.get("efficiencyRatio").toString()).isEqualTo("0.8");
        assertThat(engine.get("/v1/analytics/performance/V-part").json().get("efficiencyAlert").asBoolean()).isTrue();
    }

    @Test
    void raises_the_alert_below_the_efficiency_threshold() {
        JsonNode report = engine.get("/v1/analytics/performance/V-bad").json();

        assertThat(report.get("metrics").get("efficiencyRatio").toString()).isEqualTo("0.7");
        assertThat(report.get("efficiencyAlert").asBoolean()).isTrue();
    }

    @Test
    void gives_no_ratio_and_no_alert_without_ac_energy() {
        JsonNode report = engine.get("/v1/analytics/performance/V-alone").json();

        assertThat(report.get("meterIds")).isEmpty();
        assertThat(report.get("metrics").get("totalEnergyConsumedAc").toString()).isEqualTo("0");
        assertThat(report.get("metrics").get("totalEnergyDeliveredDc").toString()).isEqualTo("3");
        assertThat(report.get("metrics").get("linkedEnergyDeliveredDc").toString()).isEqualTo("0");
        assertThat(report.get("metrics").get("efficiencyRatio").isNull()).isTrue();
        assertThat(report.get("efficiencyAlert").asBoolean()).isFalse();
        assertThat(report.get("latestSnapshot").get("meter").isNull()).isTrue();
    }

    @Test
    void answers_404_for_a_vehicle_it_has_never_heard_of() {
        Response response = engine.get("/v1/analytics/performance/V-unknown");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().get("error").asText()).isEqualTo("not_found");
    }

    @Test
    void refuses_windows_that_make_no_sense() {
        assertThat(engine.get("/v1/analytics/performance/V-an?from=" + at(60) + "&to=" + at(60)).status()).isEqualTo(400);
        assertThat(engine.get("/v1/analytics/performance/V-an?from=" + at(60) + "&to=" + at(0)).status()).isEqualTo(400);
        Response tooLong = engine.get("/v1/analytics/performance/V-an?from=" + at(-32 * 24 * 60) + "&to=" + at(0));
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.json().get("message").asText()).isEqualTo("the window may cover at most 31d");
        assertThat(engine.get("/v1/analytics/performance/V-an?from=-999999999-01-01T00:00:00Z").status()).isEqualTo(400);
        Response badTime = engine.get("/v1/analytics/performance/V-an?from=2026-02-10T10:00:00");
        assertThat(badTime.status()).isEqualTo(400);
        assertThat(badTime.json().get("details").get(0).get("field").asText()).isEqualTo("from");
        Response future = engine.get("/v1/analytics/performance/V-an?from=" + Instant.now().plus(1, ChronoUnit.HOURS));
        assertThat(future.json().get("message").asText())
                .isEqualTo("from must be in the past when to is not given (to defaults to now)");
    }

    private static Instant at(long minutesAfterT0) {
        return T0.plus(minutesAfterT0, ChronoUnit.MINUTES);
    }

    /** Publishes each reading over MQTT to its device's topic, as devices do, and waits until all are stored. */
    private static void publish(TestEngine engine, String... readings) {
        long before = engine.database().storedReadings();
        for (String reading : readings) {
            JsonNode json = parse(reading);
            String topic = json.has("meterId") ? "meters/" + json.get("meterId").asText() : "vehicles/" + json.get("vehicleId").asText();
            engine.publish(topic, reading);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.database().storedReadings() == before + readings.length);
    }

    private static JsonNode parse(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }
}
