package io.eie;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eie.alarms.AlarmRule;
import io.eie.alarms.AlarmRules;
import io.eie.alarms.AlarmSettings;
import io.eie.alarms.NotificationSettings;
import io.eie.analytics.AnalyticsSettings;
import io.eie.testing.EngineExtension;
import io.eie.testing.TestEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The alarm rules over real readings: each raised once while its condition lasts, held in its
 * hysteresis band, cleared on its own; an operator's acknowledgement; one alarm whatever the
 * number of engine instances or restarts; the API and the metrics.
 */
class AlarmsIT {

    /** The rules run only when a test evaluates them, at the time it names. */
    @RegisterExtension
    static final EngineExtension engines = EngineExtension.withSettings(Map.of(
            "EIE_ALARM_EVALUATE_EVERY", "1h", "EIE_ALARM_SILENT_AFTER", "1m"));

    /** Readings a few minutes apart, all in the current hour or the one before: inside the 24-hour window. */
    private final Instant start = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(50, ChronoUnit.MINUTES);
    private int minute;

    private TestEngine engine;

    @Test
    void low_efficiency_is_raised_once_holds_in_its_hysteresis_band_and_clears_above_it(TestEngine engine) {
        this.engine = engine;
        link("V1", "M1");
        ingest(meter("M1", "10"), vehicle("V1", "8", 30));

        evaluate();
        evaluate();

        JsonNode alarm = onlyActive("low_efficiency");
        assertThat(alarm.get("deviceId").asText()).isEqualTo("V1");
        assertThat(alarm.get("deviceKind").asText()).isEqualTo("vehicle");
        assertThat(alarm.get("unit").asText()).isEqualTo("ratio");
        assertThat(alarm.get("raisedValue").decimalValue()).isEqualByComparingTo("0.8");
        assertThat(alarm.get("acknowledged").isNull()).isTrue();
        assertThat(events(alarm)).containsExactly("raised");

        ingest(vehicle("V1", "0.7", 30)); // 8.7 of 10: above the threshold (0.85), not above it plus 0.05
        evaluate();

        alarm = onlyActive("low_efficiency");
        assertThat(alarm.get("latestValue").decimalValue()).isEqualByComparingTo("0.87");
        assertThat(alarm.get("raisedValue").decimalValue()).isEqualByComparingTo("0.8");

        ingest(vehicle("V1", "0.5", 30)); // 9.2 of 10
        evaluate();

        assertThat(active("low_efficiency")).isEmpty();
        JsonNode cleared = engine.get("/v1/alarms/" + alarm.get("id").asLong()).json();
        assertThat(cleared.get("state").asText()).isEqualTo("cleared");
        assertThat(cleared.get("clearedValue").decimalValue()).isEqualByComparingTo("0.92");
        assertThat(events(cleared)).containsExactly("raised", "cleared");

        ingest(meter("M1", "2")); // 9.2 of 12: low again, a new alarm
        evaluate();

        JsonNode again = onlyActive("low_efficiency");
        assertThat(again.get("id").asLong()).isGreaterThan(alarm.get("id").asLong());
        assertThat(again.get("raisedValue").decimalValue()).isEqualByComparingTo("0.7667");
        assertThat(engine.get("/v1/alarms?state=all&deviceId=V1").json().get("alarms")).hasSize(2);
        assertThat(engine.metric("eie_alarms_active{rule=\"low_efficiency\"}")).isEqualTo(1);
        assertThat(engine.metric("eie_alarm_events_total{rule=\"low_efficiency\",type=\"raised\"}")).isEqualTo(2);
        assertThat(engine.metric("eie_alarm_events_total{rule=\"low_efficiency\",type=\"cleared\"}")).isEqualTo(1);
        assertThat(engine.metric("eie_alarm_evaluation_seconds_count")).isGreaterThanOrEqualTo(5);
    }

    @Test
    void efficiency_is_judged_only_on_enough_energy_and_impossible_efficiency_clears_when_ac_catches_up(
            TestEngine engine) {
        this.engine = engine;
        link("V1", "M1");
        link("V2", "M2");
        ingest(meter("M1", "0.5"), vehicle("V1", "0.1", 30)); // too little energy to tell
        ingest(meter("M2", "5"), vehicle("V2", "6", 30));

        evaluate();

        assertThat(active("low_efficiency")).isEmpty();
        JsonNode impossible = onlyActive("impossible_efficiency");
        assertThat(impossible.get("deviceId").asText()).isEqualTo("V2");
        assertThat(impossible.get("raisedValue").decimalValue()).isEqualByComparingTo("1.2");

        ingest(meter("M2", "2")); // 6 of 7: possible, and not low
        evaluate();

        assertThat(active("impossible_efficiency")).isEmpty();
        assertThat(active("low_efficiency")).isEmpty();
    }

    @Test
    void a_device_gone_silent_is_raised_after_the_silence_allowed_and_cleared_when_it_reports(TestEngine engine) {
        this.engine = engine;
        // heard of three minutes ago, and two days ago (that one is not news)
        engine.execute("""
                INSERT INTO meter_live_status (meter_id, kwh_consumed_ac, voltage, ts, received_at) VALUES
                    ('M1', 1, 230, now() - interval '1 hour', now() - interval '3 minutes'),
                    ('M-old', 1, 230, now() - interval '2 days', now() - interval '2 days');
                INSERT INTO vehicle_live_status (vehicle_id, soc, kwh_delivered_dc, battery_temp, ts, received_at)
                    VALUES ('V1', 50, 1, 30, now() - interval '1 hour', now() - interval '3 minutes');
                """);
        // rules of an engine that has been up for long: silence is judged at once
        AlarmRules rules = new AlarmRules(Jdbi.create(engine.database()::connect).installPlugin(new PostgresPlugin()),
                new AlarmSettings(Duration.ofHours(1), Duration.ofHours(24),
                new BigDecimal("0.05"), Duration.ofMinutes(1), new BigDecimal("55"), 3, NotificationSettings.DEFAULTS),
                AnalyticsSettings.DEFAULTS,
                () -> true, Instant.EPOCH, new SimpleMeterRegistry());

        rules.evaluate(Instant.now().minus(150, ChronoUnit.SECONDS));
        assertThat(active("silent")).isEmpty();

        rules.evaluate(Instant.now());
        assertThat(active("silent")).extracting(alarm -> alarm.get("deviceId").asText())
                .containsExactlyInAnyOrder("M1", "V1");
        assertThat(onlyActive("silent", "M1").get("unit").asText()).isEqualTo("seconds");
        assertThat(onlyActive("silent", "M1").get("raisedValue").asLong()).isBetween(180L, 190L);

        ingest(meter("M1", "1"));
        rules.evaluate(Instant.now().plusSeconds(5));

        assertThat(active("silent")).extracting(alarm -> alarm.get("deviceId").asText()).containsExactly("V1");
        assertThat(onlyActive("silent", "V1").get("latestValue").asLong()).isGreaterThan(180L);
    }

    @Test
    void no_device_is_silent_until_the_engine_has_been_up_for_the_silence_allowed(TestEngine engine) {
        this.engine = engine;
        engine.execute("INSERT INTO vehicle_live_status (vehicle_id, soc, kwh_delivered_dc, battery_temp, ts, received_at) "
                + "VALUES ('V-quiet', 50, 1, 30, now() - interval '10 minutes', now() - interval '10 minutes')");

        evaluate(Instant.now());
        assertThat(active("silent")).isEmpty();

        evaluate(Instant.now().plusSeconds(61));
        assertThat(onlyActive("silent", "V-quiet").get("raisedValue").asLong()).isGreaterThanOrEqualTo(600);
    }

    @Test
    void a_hot_battery_is_raised_after_three_readings_above_55_and_cleared_after_three_at_or_below(TestEngine engine) {
        this.engine = engine;
        for (double temp : new double[] {50, 56, 57}) {
            ingest(vehicle("V1", "0.1", temp));
        }
        evaluate();
        assertThat(active("battery_temperature")).as("one of the last three is not above 55").isEmpty();

        ingest(vehicle("V1", "0.1", 58));
        evaluate();
        JsonNode hot = onlyActive("battery_temperature");
        assertThat(hot.get("raisedValue").decimalValue()).isEqualByComparingTo("58");
        assertThat(hot.get("unit").asText()).isEqualTo("celsius");

        ingest(vehicle("V1", "0.1", 54), vehicle("V1", "0.1", 53));
        evaluate();
        assertThat(onlyActive("battery_temperature").get("latestValue").decimalValue()).isEqualByComparingTo("53");

        ingest(vehicle("V1", "0.1", 55));
        evaluate();
        assertThat(active("battery_temperature")).isEmpty();
    }

    @Test
    void an_alarm_is_raised_once_by_two_instances_and_a_restart_changes_nothing(TestEngine engine) throws Exception {
        this.engine = engine;
        link("V1", "M1");
        ingest(meter("M1", "10"), vehicle("V1", "5", 60), vehicle("V1", "0", 61), vehicle("V1", "0", 62));
        Instant now = Instant.now();

        try (TestEngine second = TestEngine.start(engine.database(), Map.of("EIE_ALARM_EVALUATE_EVERY", "1h"))) {
            List<CompletableFuture<AlarmRules.Evaluation>> evaluations = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                AlarmRules rules = (i % 2 == 0 ? engine : second).app().alarmRules();
                evaluations.add(CompletableFuture.supplyAsync(() -> rules.evaluate(now)));
            }
            int raised = 0;
            for (CompletableFuture<AlarmRules.Evaluation> evaluation : evaluations) {
                raised += evaluation.get().raised().getOrDefault(AlarmRule.LOW_EFFICIENCY, 0);
            }
            assertThat(raised).isEqualTo(1);
        }
        assertThat(engine.count("SELECT count(*) FROM alarm")).isEqualTo(2); // low efficiency and a hot battery
        long events = engine.count("SELECT count(*) FROM alarm_event");

        try (TestEngine restarted = TestEngine.start(engine.database(), Map.of("EIE_ALARM_EVALUATE_EVERY", "1h"))) {
            restarted.app().alarmRules().evaluate(Instant.now());
            assertThat(restarted.get("/v1/alarms").json().get("alarms")).hasSize(2);
        }
        assertThat(engine.count("SELECT count(*) FROM alarm")).isEqualTo(2);
        assertThat(engine.count("SELECT count(*) FROM alarm_event")).isEqualTo(events);
    }

    @Test
    void operators_list_page_filter_and_acknowledge_alarms(TestEngine engine) {
        this.engine = engine;
        for (int i = 1; i <= 3; i++) {
            link("V" + i, "M" + i);
            ingest(meter("M" + i, "10"), vehicle("V" + i, String.valueOf(i), 30));
        }
        ingest(vehicle("V3", "0", 60), vehicle("V3", "0", 60), vehicle("V3", "0", 60));
        evaluate();

        JsonNode first = engine.get("/v1/alarms?rule=low_efficiency&limit=2").json();
        assertThat(first.get("alarms")).extracting(alarm -> alarm.get("deviceId").asText()).containsExactly("V3", "V2");
        JsonNode second = engine.get(first.get("next").asText()).json();
        assertThat(second.get("alarms")).extracting(alarm -> alarm.get("deviceId").asText()).containsExactly("V1");
        assertThat(second.get("next").isNull()).isTrue();
        assertThat(engine.get("/v1/alarms?deviceId=V3").json().get("alarms")).extracting(alarm -> alarm.get("rule").asText())
                .containsExactlyInAnyOrder("low_efficiency", "battery_temperature");
        assertThat(engine.get("/v1/alarms?state=cleared").json().get("alarms")).isEmpty();
        assertThat(engine.get("/v1/alarms?to=" + start.minus(1, ChronoUnit.DAYS)).json().get("alarms")).isEmpty();

        long id = first.get("alarms").get(0).get("id").asLong();
        TestEngine.Response acknowledged = engine.post("/v1/alarms/" + id + "/acknowledge", "{\"by\": \"Ada\"}");
        assertThat(acknowledged.status()).isEqualTo(200);
        assertThat(acknowledged.json().get("acknowledged").get("by").asText()).isEqualTo("Ada");
        assertThat(acknowledged.json().get("state").asText()).isEqualTo("active");
        TestEngine.Response again = engine.post("/v1/alarms/" + id + "/acknowledge", "{\"by\": \"Grace\"}");
        assertThat(again.json().get("acknowledged").get("by").asText()).as("the first acknowledgement stays").isEqualTo("Ada");
        assertThat(events(again.json())).containsExactly("raised", "acknowledged");
        assertThat(engine.get("/v1/alarms?acknowledged=false").json().get("alarms")).hasSize(3);
        assertThat(engine.get("/v1/alarms?acknowledged=true").json().get("alarms")).hasSize(1);
        assertThat(engine.metric("eie_alarm_events_total{rule=\"low_efficiency\",type=\"acknowledged\"}")).isEqualTo(1);

        assertThat(engine.post("/v1/alarms/" + id + "/acknowledge", "{}").json().get("details").get(0).get("field").asText())
                .isEqualTo("by");
        assertThat(engine.post("/v1/alarms/999999/acknowledge", "{\"by\": \"Ada\"}").status()).isEqualTo(404);
        assertThat(engine.get("/v1/alarms/999999").status()).isEqualTo(404);
        for (String bad : List.of("state=open", "rule=hot", "acknowledged=yes", "before=-1", "from=yesterday", "deviceId=a%20b")) {
            TestEngine.Response response = engine.get("/v1/alarms?" + bad);
            assertThat(response.status()).as(bad).isEqualTo(400);
            assertThat(response.json().get("details").get(0).get("field").asText()).as(bad).isEqualTo(bad.split("=")[0]);
        }
        assertThat(engine.get("/v1/alarms/abc").status()).isEqualTo(400);
    }

    private void evaluate() {
        evaluate(Instant.now());
    }

    private void evaluate(Instant now) {
        assertThat(engine.app().alarmRules().evaluate(now).evaluated()).isTrue();
    }

    private List<JsonNode> active(String rule) {
        List<JsonNode> alarms = new ArrayList<>();
        engine.get("/v1/alarms?rule=" + rule).json().get("alarms").forEach(alarms::add);
        return alarms;
    }

    private JsonNode onlyActive(String rule) {
        List<JsonNode> alarms = active(rule);
        assertThat(alarms).hasSize(1);
        return engine.get("/v1/alarms/" + alarms.get(0).get("id").asLong()).json();
    }

    private JsonNode onlyActive(String rule, String deviceId) {
        JsonNode alarms = engine.get("/v1/alarms?rule=" + rule + "&deviceId=" + deviceId).json().get("alarms");
        assertThat(alarms).hasSize(1);
        return alarms.get(0);
    }

    private static List<String> events(JsonNode alarm) {
        List<String> types = new ArrayList<>();
        alarm.get("events").forEach(event -> types.add(event.get("type").asText()));
        return types;
    }

    private void link(String vehicle, String meter) {
        assertThat(engine.put("/v1/vehicles/" + vehicle + "/meter", "{\"meterId\": \"" + meter + "\", \"from\": \""
                + start.minus(2, ChronoUnit.DAYS) + "\"}").status()).isEqualTo(200);
    }

    private void ingest(String... readings) {
        TestEngine.Response response = engine.post("/v1/ingest", "[" + String.join(",", readings) + "]");
        assertThat(response.json().get("accepted").asInt()).as(response.raw().body()).isEqualTo(readings.length);
    }

    /** A meter's reading, a minute after the reading before. */
    private String meter(String id, String kwh) {
        return "{\"meterId\":\"" + id + "\",\"kwhConsumedAc\":" + kwh + ",\"voltage\":230,\"timestamp\":\"" + next() + "\"}";
    }

    /** A vehicle's reading, a minute after the reading before. */
    private String vehicle(String id, String kwh, double batteryTemp) {
        return "{\"vehicleId\":\"" + id + "\",\"soc\":50,\"kwhDeliveredDc\":" + kwh + ",\"batteryTemp\":" + batteryTemp
                + ",\"timestamp\":\"" + next() + "\"}";
    }

    private Instant next() {
        return start.plus(minute++, ChronoUnit.MINUTES);
    }
}
