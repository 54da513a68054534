package io.eie;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eie.testing.EngineExtension;
import io.eie.testing.TestEngine;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A meter that reports a cumulative register (as OCPP's Energy.Active.Import.Register does), with
 * a reset when it was replaced: every view derives the same energy from it, hand-computed here.
 */
@ExtendWith(EngineExtension.class)
class EnergyRegisterIT {

    private static final Instant H0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(5, ChronoUnit.HOURS);

    private final TestEngine engine;

    EnergyRegisterIT(TestEngine engine) {
        this.engine = engine;
    }

    @Test
    void derives_interval_energy_from_a_register_across_a_reset_in_every_view() {
        JsonNode before = engine.get("/v1/meters/RM/settings").json();
        assertThat(before.get("energyReporting").asText()).isEqualTo("interval");
        assertThat(before.get("ownSetting").asBoolean()).isFalse();
        JsonNode set = engine.put("/v1/meters/RM/settings", "{\"energyReporting\": \"register\"}").json();
        assertThat(set.get("meterId").asText()).isEqualTo("RM");
        assertThat(set.get("ownSetting").asBoolean()).isTrue();
        assertThat(engine.put("/v1/vehicles/RV/meter", "{\"meterId\": \"RM\", \"from\": \"" + H0.minus(1, ChronoUnit.DAYS) + "\"}")
                .status()).isEqualTo(200);

        // register readings, sent out of order: 100.0 (nothing before it), +0.5, +1.0, reset to 0.3, +0.5
        post(List.of(meter(35, "101.5"), meter(80, "0.8"), meter(5, "100.0"), meter(65, "0.3"), meter(15, "100.5"),
                vehicle(15, "0.45"), vehicle(35, "0.9"), vehicle(65, "0.27"), vehicle(80, "0.45")));

        String window = "from=" + H0 + "&to=" + H0.plus(2, ChronoUnit.HOURS);
        JsonNode metrics = engine.get("/v1/analytics/performance/RV?" + window).json().get("metrics");
        assertThat(metrics.get("totalEnergyConsumedAc").decimalValue()).isEqualByComparingTo("2.3");
        assertThat(metrics.get("efficiencyRatio").decimalValue()).isEqualByComparingTo("0.9");
        assertThat(metrics.get("registerResets").get("meters").asLong()).isEqualTo(1);
        assertThat(metrics.get("registerResets").get("vehicle").asLong()).isZero();
        assertThat(metrics.get("meterReadings").asLong()).isEqualTo(5);

        // a window that starts between two readings: the first one inside rises from the one before it
        JsonNode later = engine.get("/v1/analytics/performance/RV?from=" + H0.plus(20, ChronoUnit.MINUTES) + "&to="
                + H0.plus(2, ChronoUnit.HOURS)).json().get("metrics");
        assertThat(later.get("totalEnergyConsumedAc").decimalValue()).isEqualByComparingTo("1.8");

        JsonNode points = engine.get("/v1/analytics/performance/RV/series?" + window).json().get("points");
        assertThat(points.get(0).get("totalEnergyConsumedAc").decimalValue()).isEqualByComparingTo("1.5");
        assertThat(points.get(0).get("registerResets").get("meters").asLong()).isZero();
        assertThat(points.get(1).get("totalEnergyConsumedAc").decimalValue()).isEqualByComparingTo("0.8");
        assertThat(points.get(1).get("registerResets").get("meters").asLong()).isEqualTo(1);

        JsonNode row = engine.get("/v1/analytics/fleet/efficiency?" + window).json().get("vehicles").get(0);
        assertThat(row.get("vehicleId").asText()).isEqualTo("RV");
        assertThat(row.get("totalEnergyConsumedAc").decimalValue()).isEqualByComparingTo("2.3");
        assertThat(row.get("registerResets").get("meters").asLong()).isEqualTo(1);

        // history keeps what the meter sent
        assertThat(engine.queryValue("SELECT kwh_consumed_ac FROM meter_telemetry_history WHERE meter_id = 'RM' "
                + "AND ts = '" + H0.plus(35, ChronoUnit.MINUTES) + "'").toString()).isEqualTo("101.5");
    }

    @Test
    void takes_register_values_beyond_the_ceiling_of_one_interval() {
        engine.put("/v1/meters/BIG/settings", "{\"energyReporting\": \"register\"}");

        TestEngine.Response register = engine.post("/v1/ingest", meter("BIG", 10, "48211.75"));
        TestEngine.Response interval = engine.post("/v1/ingest", meter("SMALL", 10, "48211.75"));

        assertThat(register.status()).as(register.raw().body()).isEqualTo(200);
        assertThat(interval.status()).isEqualTo(400);
        assertThat(interval.json().get("details").get(0).get("message").asText())
                .isEqualTo("kwhConsumedAc must be at most 1000 kWh for one reading");
    }

    @Test
    void refuses_an_unknown_energy_mode_with_a_clear_error() {
        TestEngine.Response response = engine.put("/v1/vehicles/V1/settings", "{\"energyReporting\": \"cumulative\"}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("details").get(0).get("field").asText()).isEqualTo("energyReporting");
        assertThat(engine.get("/v1/vehicles/V1/settings").json().get("ownSetting").asBoolean()).isFalse();
        assertThat(engine.put("/v1/vehicles/V1/settings", "[]").status()).isEqualTo(400);
    }

    private void post(List<String> readings) {
        TestEngine.Response response = engine.post("/v1/ingest", "[" + String.join(",", readings) + "]");
        assertThat(response.status()).as(response.raw().body()).isEqualTo(200);
        assertThat(response.json().get("accepted").asInt()).isEqualTo(readings.size());
    }

    private static String meter(int minute, String kwh) {
        return meter("RM", minute, kwh);
    }

    private static String meter(String id, int minute, String kwh) {
        return "{\"meterId\":\"" + id + "\",\"kwhConsumedAc\":" + kwh + ",\"voltage\":230,\"timestamp\":\""
                + H0.plus(minute, ChronoUnit.MINUTES) + "\"}";
    }

    private static String vehicle(int minute, String kwh) {
        return "{\"vehicleId\":\"RV\",\"soc\":60,\"kwhDeliveredDc\":" + kwh + ",\"batteryTemp\":31,\"timestamp\":\""
                + H0.plus(minute, ChronoUnit.MINUTES) + "\"}";
    }
}
