package io.eie;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eie.physics.ChargingPair;
import io.eie.seed.DemoFleet;
import io.eie.testing.EngineExtension;
import io.eie.testing.TestEngine;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fleet view on a day of the simulator's physics: 30 vehicle-meter pairs, a fifth of the
 * chargers faulty, plus vehicles with something wrong around them: one linked to the wrong
 * meter, one without a link, one whose meter never reports, one that never reports itself, and a
 * pair that reports cumulative registers, with a reset.
 */
@ExtendWith(EngineExtension.class)
class FleetAnalyticsIT {

    private static final Instant END = Instant.now().truncatedTo(ChronoUnit.HOURS);
    private static final Instant START = END.minus(24, ChronoUnit.HOURS);
    private static final String WINDOW = "from=" + START + "&to=" + END;

    private static DemoFleet fleet;

    private final TestEngine engine;

    FleetAnalyticsIT(TestEngine engine) {
        this.engine = engine;
    }

    @BeforeAll
    static void loadADayOfTheFleet(TestEngine engine) {
        fleet = new DemoFleet(30, "FV", "FM", 0.2, START, Duration.ofHours(24), 42);
        List<String> readings = new ArrayList<>(fleet.readings());
        DemoFleet others = new DemoFleet(1, "WRONG-V", "IDLE-M", 0, START, Duration.ofHours(24), 7);
        for (String reading : others.readings()) {
            if (reading.contains("WRONG-V")) {
                readings.add(reading); // a healthy vehicle's DC ...
            }
        }
        for (int minute = 1; minute <= 24 * 60; minute++) {
            Instant at = START.plus(minute, ChronoUnit.MINUTES);
            readings.add(meter("IDLE-M", "0.001", at)); // ... against a meter that hardly draws anything
            readings.add(vehicle("LONELY-V", "0.1", at)); // no link at all
            readings.add(meter("ORPHAN-M", "0.2", at)); // its vehicle never reports
            readings.add(vehicle("SWITCH-V", "0.09", at)); // fed by one meter, then from noon by another
            readings.add(meter("SWITCH-MA", "0.1", at));
            readings.add(meter("SWITCH-MB", "0.1", at));
        }
        for (ChargingPair pair : fleet.pairs()) {
            link(engine, pair.vehicleId, pair.meterId);
        }
        link(engine, "WRONG-V001", "IDLE-M");
        link(engine, "SILENT-METER-V", "NEVER-M");
        link(engine, "GHOST-V", "ORPHAN-M");
        link(engine, "SWITCH-V", "SWITCH-MA");
        assertThat(engine.put("/v1/vehicles/SWITCH-V/meter", "{\"meterId\": \"SWITCH-MB\", \"from\": \""
                + START.plus(12, ChronoUnit.HOURS) + "\"}").status()).isEqualTo(200);
        for (int i = 0; i < readings.size(); i += 10_000) {
            String body = "[" + String.join(",", readings.subList(i, Math.min(readings.size(), i + 10_000))) + "]";
            TestEngine.Response response = engine.post("/v1/ingest", body);
            assertThat(response.status()).as(response.raw().body()).isEqualTo(200);
            assertThat(response.json().get("rejected").asInt()).isZero();
        }
        // SILENT-METER-V reports; its meter does not
        engine.post("/v1/ingest", vehicle("SILENT-METER-V", "0.3", END.minus(3, ChronoUnit.HOURS)));
    }

    @Test
    void lists_the_faulty_chargers_first_and_flags_no_healthy_one() {
        JsonNode report = engine.get("/v1/analytics/fleet/efficiency?" + WINDOW + "&limit=1000").json();
        List<JsonNode> rows = list(report.get("vehicles"));

        Set<String> faulty = new HashSet<>();
        Set<String> healthy = new HashSet<>();
        for (ChargingPair pair : fleet.pairs()) {
            boolean charged = pair.acKwh(START.toEpochMilli(), END.toEpochMilli()) >= 1;
            if (pair.faulty && charged) {
                faulty.add(pair.vehicleId);
            } else if (!pair.faulty) {
                healthy.add(pair.vehicleId);
            }
        }
        assertThat(faulty).as("the fleet has faulty chargers that charged").hasSizeGreaterThanOrEqualTo(3);

        List<String> top = rows.subList(0, faulty.size()).stream().map(row -> row.get("vehicleId").asText()).toList();
        assertThat(top).containsExactlyInAnyOrderElementsOf(faulty);
        for (JsonNode row : rows.subList(0, faulty.size())) {
            assertThat(flags(row)).containsExactly("low_efficiency");
            assertThat(row.get("efficiencyRatio").decimalValue()).isLessThan(new BigDecimal("0.81"));
        }
        for (JsonNode row : rows) {
            if (healthy.contains(row.get("vehicleId").asText())) {
                assertThat(flags(row)).as(row.toString()).isEmpty();
                assertThat(row.get("coverage").asDouble()).isBetween(0.99, 1.0); // the first minute precedes the first reading
            }
        }
        List<BigDecimal> judged = rows.stream().filter(row -> row.get("vehicleReadings").asLong() > 0
                        && row.get("meterReadings").asLong() > 0
                        && row.get("totalEnergyConsumedAc").decimalValue().compareTo(BigDecimal.ONE) >= 0)
                .map(row -> row.get("efficiencyRatio").decimalValue()).toList();
        assertThat(judged).hasSize(32).isSorted();
    }

    @Test
    void flags_the_vehicle_linked_to_the_wrong_meter_and_the_gaps_in_the_data() {
        List<JsonNode> rows = list(engine.get("/v1/analytics/fleet/efficiency?" + WINDOW + "&limit=1000").json().get("vehicles"));

        assertThat(flags(row(rows, "WRONG-V001"))).containsExactly("impossible_efficiency");
        assertThat(row(rows, "WRONG-V001").get("efficiencyRatio").decimalValue()).isGreaterThan(BigDecimal.ONE);
        assertThat(flags(row(rows, "LONELY-V"))).containsExactly("no_meter_link");
        assertThat(flags(row(rows, "SILENT-METER-V"))).containsExactly("missing_meter_data");
        assertThat(flags(row(rows, "GHOST-V"))).containsExactly("missing_vehicle_data");
        assertThat(row(rows, "GHOST-V").get("meterIds").get(0).asText()).isEqualTo("ORPHAN-M");

        JsonNode impossible = engine.get("/v1/analytics/fleet/efficiency?" + WINDOW + "&flag=impossible_efficiency").json();
        assertThat(list(impossible.get("vehicles"))).extracting(row -> row.get("vehicleId").asText()).containsExactly("WRONG-V001");
        assertThat(impossible.get("summary").get("vehicles").asLong()).isEqualTo(35);
        assertThat(impossible.get("summary").get("impossibleEfficiency").asLong()).isEqualTo(1);
        assertThat(impossible.get("summary").get("noMeterLink").asLong()).isEqualTo(1);
    }

    @Test
    void pages_through_the_whole_fleet_in_order_without_repeating_or_skipping() {
        List<String> whole = list(engine.get("/v1/analytics/fleet/efficiency?" + WINDOW + "&limit=1000").json().get("vehicles"))
                .stream().map(row -> row.get("vehicleId").asText()).toList();

        List<String> paged = new ArrayList<>();
        String next = "/v1/analytics/fleet/efficiency?" + WINDOW + "&limit=7";
        int pages = 0;
        while (next != null) {
            JsonNode page = engine.get(next).json();
            list(page.get("vehicles")).forEach(row -> paged.add(row.get("vehicleId").asText()));
            next = page.get("next").isNull() ? null : page.get("next").asText();
            pages++;
        }

        assertThat(paged).containsExactlyElementsOf(whole);
        assertThat(pages).isEqualTo(5);
        assertThat(whole).hasSize(35);
    }

    @Test
    void agrees_with_the_exact_answer_from_history_for_whole_hours() {
        JsonNode fleetRows = engine.get("/v1/analytics/fleet/efficiency?" + WINDOW + "&limit=1000").json().get("vehicles");
        for (JsonNode row : list(fleetRows)) {
            String vehicleId = row.get("vehicleId").asText();
            if (vehicleId.startsWith("FV") || vehicleId.equals("SWITCH-V")) {
                JsonNode exact = engine.get("/v1/analytics/performance/" + vehicleId + "?" + WINDOW).json().get("metrics");
                assertThat(row.get("totalEnergyConsumedAc").decimalValue())
                        .isEqualByComparingTo(exact.get("totalEnergyConsumedAc").decimalValue());
                assertThat(row.get("linkedEnergyDeliveredDc").decimalValue())
                        .isEqualByComparingTo(exact.get("linkedEnergyDeliveredDc").decimalValue());
                assertThat(row.get("efficiencyRatio").decimalValue())
                        .isEqualByComparingTo(exact.get("efficiencyRatio").decimalValue());
                assertThat(row.get("vehicleReadings").asLong()).isEqualTo(exact.get("vehicleReadings").asLong());
            }
        }
    }

    @Test
    void takes_each_meter_for_the_hours_its_link_covers() {
        List<JsonNode> rows = list(engine.get("/v1/analytics/fleet/efficiency?" + WINDOW + "&limit=1000").json().get("vehicles"));

        JsonNode switched = row(rows, "SWITCH-V");
        assertThat(switched.get("meterIds")).extracting(JsonNode::asText).containsExactly("SWITCH-MA", "SWITCH-MB");
        assertThat(switched.get("totalEnergyConsumedAc").decimalValue()).isEqualByComparingTo("143.9"); // 1,439 minutes
        assertThat(switched.get("efficiencyRatio").decimalValue()).isEqualByComparingTo("0.9");
        assertThat(flags(switched)).isEmpty();
    }

    @Test
    void charts_a_vehicle_hour_by_hour_with_the_same_totals() {
        String vehicleId = fleet.pairs().get(0).vehicleId;
        JsonNode series = engine.get("/v1/analytics/performance/" + vehicleId + "/series?" + WINDOW + "&bucket=1h").json();
        JsonNode exact = engine.get("/v1/analytics/performance/" + vehicleId + "?" + WINDOW).json().get("metrics");

        List<JsonNode> points = list(series.get("points"));
        assertThat(points).hasSize(24);
        assertThat(points.get(0).get("from").asText()).isEqualTo(START.toString());
        assertThat(points.get(23).get("to").asText()).isEqualTo(END.toString());
        BigDecimal ac = points.stream().map(p -> p.get("totalEnergyConsumedAc").decimalValue()).reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal dc = points.stream().map(p -> p.get("totalEnergyDeliveredDc").decimalValue()).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(ac).isEqualByComparingTo(exact.get("totalEnergyConsumedAc").decimalValue());
        assertThat(dc).isEqualByComparingTo(exact.get("totalEnergyDeliveredDc").decimalValue());
        assertThat(points.stream().mapToLong(p -> p.get("vehicleReadings").asLong()).sum())
                .isEqualTo(exact.get("vehicleReadings").asLong()).isEqualTo(24 * 60 - 1);
        assertThat(points.get(23).get("lastSoc").asDouble()).isEqualTo(((Number) engine.queryValue(
                "SELECT soc FROM vehicle_telemetry_history WHERE vehicle_id = '" + vehicleId + "' AND ts < '" + END
                        + "' ORDER BY ts DESC LIMIT 1")).doubleValue());

        JsonNode sixHours = engine.get("/v1/analytics/performance/" + vehicleId + "/series?" + WINDOW + "&bucket=6h").json();
        assertThat(list(sixHours.get("points"))).hasSize(4);
        JsonNode month = engine.get("/v1/analytics/performance/" + vehicleId + "/series?from=" + END.minus(31, ChronoUnit.DAYS)
                + "&to=" + END).json();
        assertThat(list(month.get("points"))).hasSize(31 * 24);
    }

    @Test
    void refuses_what_it_cannot_answer_with_a_clear_error() {
        assertThat(engine.get("/v1/analytics/fleet/efficiency?flag=slow").json().get("details").get(0).get("field").asText())
                .isEqualTo("flag");
        assertThat(engine.get("/v1/analytics/fleet/efficiency?cursor=garbage!").status()).isEqualTo(400);
        assertThat(engine.get("/v1/analytics/fleet/efficiency?threshold=1.5").status()).isEqualTo(400);
        assertThat(engine.get("/v1/analytics/fleet/efficiency?from=" + END.minus(40, ChronoUnit.DAYS) + "&to=" + END)
                .status()).isEqualTo(400);
        assertThat(engine.get("/v1/analytics/performance/FV001/series?bucket=90m").status()).isEqualTo(400);
        assertThat(engine.get("/v1/analytics/performance/NOBODY/series").status()).isEqualTo(404);
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items;
    }

    private static JsonNode row(List<JsonNode> rows, String vehicleId) {
        return rows.stream().filter(row -> row.get("vehicleId").asText().equals(vehicleId)).findFirst().orElseThrow();
    }

    private static List<String> flags(JsonNode row) {
        List<String> flags = new ArrayList<>();
        row.get("flags").forEach(flag -> flags.add(flag.asText()));
        return flags;
    }

    private static void link(TestEngine engine, String vehicleId, String meterId) {
        TestEngine.Response response = engine.put("/v1/vehicles/" + vehicleId + "/meter",
                "{\"meterId\": \"" + meterId + "\", \"from\": \"" + START.minus(1, ChronoUnit.HOURS) + "\"}");
        assertThat(response.status()).as(response.raw().body()).isEqualTo(200);
    }

    private static String meter(String id, String kwh, Instant at) {
        return String.format(Locale.ROOT, "{\"meterId\":\"%s\",\"kwhConsumedAc\":%s,\"voltage\":230,\"timestamp\":\"%s\"}",
                id, kwh, at);
    }

    private static String vehicle(String id, String kwh, Instant at) {
        return String.format(Locale.ROOT,
                "{\"vehicleId\":\"%s\",\"soc\":50,\"kwhDeliveredDc\":%s,\"batteryTemp\":30,\"timestamp\":\"%s\"}", id, kwh, at);
    }
}
