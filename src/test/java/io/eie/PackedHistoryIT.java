package io.eie;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eie.process.EngineProcess;
import io.eie.storage.Compactor;
import io.eie.storage.PackingSettings;
import io.eie.storage.Partitions;
import io.eie.testing.EngineExtension;
import io.eie.testing.EngineJar;
import io.eie.testing.TestEngine;
import io.eie.testing.TestInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Closed days packed: every question the engine answers gets the same answer before and after, a
 * late reading of a packed day counts at once and is stored once, and a packing killed halfway
 * loses and duplicates nothing.
 */
class PackedHistoryIT {

    /** The background packing never runs during a test: each packs when it means to, at full speed. */
    @RegisterExtension
    static final EngineExtension engines =
            EngineExtension.withSettings(Map.of("EIE_COMPACT_EVERY", "365d", "EIE_COMPACT_SHARE", "1"));

    /** A closed day (UTC midnight): its end is three days past, beyond the default 36 h. */
    private static final Instant DAY = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(4, ChronoUnit.DAYS);
    /** Readings from 20:00 the day before to 04:00 the day after, every 7 minutes, each 123,456 µs past it. */
    private static final Instant FIRST = DAY.minus(4, ChronoUnit.HOURS).plusNanos(123_456_000);
    private static final int READINGS = 32 * 60 / 7;

    /** Each test's own engine, on a database of its own. */
    private TestEngine engine;

    @Test
    void answers_every_question_the_same_before_and_after_packing(TestEngine engine) throws Exception {
        this.engine = engine;
        loadFleet();
        Map<String, String> before = answers();
        List<String> historyBefore = history("SELECT meter_id, ts, kwh_consumed_ac, voltage, received_at FROM "
                + "meter_telemetry_history", "SELECT vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at FROM "
                + "vehicle_telemetry_history");

        List<Compactor.PackedDay> packed = packClosedDays();

        assertThat(packed).extracting(day -> day.day().toString())
                .contains(DAY.minus(1, ChronoUnit.DAYS).toString().substring(0, 10), DAY.toString().substring(0, 10),
                        DAY.plus(1, ChronoUnit.DAYS).toString().substring(0, 10));
        assertThat(packed).allSatisfy(day -> assertThat(day.freed()).isTrue());
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history")).isZero();
        assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history")).isZero();
        assertThat(engine.count("SELECT count(*) FROM meter_history_packed")).isEqualTo(2 * 3);
        assertThat(engine.count("SELECT sum(readings) FROM vehicle_history_packed")).isEqualTo(2 * READINGS);
        assertThat(answers()).isEqualTo(before);
        assertThat(engine.count("SELECT count(*) FROM meter_history_packed "
                + "WHERE kwh_consumed_ac_total <> (SELECT sum(value) FROM unnest(kwh_consumed_ac) value)")).isZero();
        assertThat(engine.count("SELECT count(*) FROM vehicle_history_packed "
                + "WHERE kwh_delivered_dc_total <> (SELECT sum(value) FROM unnest(kwh_delivered_dc) value)")).isZero();
        assertThat(engine.metric("eie_packing_days_total{kind=\"meter\"}")).isEqualTo(packed.size() / 2.0);
        assertThat(engine.metric("eie_packing_bytes_after_bytes_total{kind=\"vehicle\"}")).isPositive();
        // every reading comes back to the microsecond, energies as sent
        assertThat(history("SELECT device.id, reading.* FROM (VALUES ('PM1'), ('PM2')) AS device(id), "
                        + "meter_readings(device.id, '-infinity', 'infinity') reading",
                "SELECT device.id, reading.* FROM (VALUES ('PV1'), ('PV2')) AS device(id), "
                        + "vehicle_readings(device.id, '-infinity', 'infinity') reading"))
                .isEqualTo(historyBefore);
    }

    @Test
    void counts_a_late_reading_of_a_packed_day_at_once_stores_it_once_and_packs_it_later(TestEngine engine)
            throws Exception {
        this.engine = engine;
        loadFleet();
        packClosedDays();
        String window = "?from=" + DAY + "&to=" + DAY.plus(1, ChronoUnit.DAYS);
        BigDecimalPair before = acAndReadings(window);

        Instant late = DAY.plus(12 * 60 + 34, ChronoUnit.MINUTES).plusNanos(56_789_012_000L);
        TestEngine.Response stored = engine.post("/v1/ingest", "[" + meter("PM1", late, "0.5", 231) + ","
                + meter("PM2", late.plus(1, ChronoUnit.MINUTES), registerValue(late.plus(1, ChronoUnit.MINUTES)), 231) + "]");
        assertThat(stored.json().get("accepted").asInt()).as(stored.raw().body()).isEqualTo(2);
        // the same readings again, and a packed one sent twice (with another value): all already stored
        Instant packedReading = FIRST.plus(7 * 100, ChronoUnit.MINUTES);
        TestEngine.Response again = engine.post("/v1/ingest", "[" + meter("PM1", late, "0.5", 231) + ","
                + meter("PM1", packedReading, "9.9", 231) + "," + vehicle("PV1", packedReading, "9.9") + "]");
        assertThat(again.json().get("duplicates").asInt()).as(again.raw().body()).isEqualTo(3);
        assertThat(again.json().get("accepted").asInt()).isZero();

        BigDecimalPair withLate = acAndReadings(window);
        assertThat(withLate.readings()).isEqualTo(before.readings() + 1); // PV1's meter until 13:00 is PM1
        assertThat(withLate.ac()).isEqualByComparingTo(before.ac().add(new BigDecimal("0.5")));
        assertThat(engine.queryValue("SELECT readings FROM meter_hourly WHERE meter_id = 'PM1' AND hour = '"
                + late.truncatedTo(ChronoUnit.HOURS) + "'").toString()).isEqualTo(String.valueOf(
                engine.count("SELECT count(*) FROM meter_readings('PM1', '" + late.truncatedTo(ChronoUnit.HOURS) + "', '"
                        + late.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS) + "')")));
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history")).isEqualTo(2);
        Map<String, String> answersWithLate = answers();

        List<Compactor.PackedDay> repacked = packClosedDays();

        assertThat(repacked).hasSize(1);
        assertThat(repacked.get(0).devices()).isEqualTo(2);
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history")).isZero();
        assertThat(engine.count("SELECT count(*) FROM meter_history_packed WHERE meter_id = 'PM1'")).isEqualTo(3);
        assertThat(answers()).isEqualTo(answersWithLate);
        assertThat(engine.post("/v1/ingest", meter("PM1", late, "0.5", 231)).json().get("duplicates").asInt()).isEqualTo(1);
    }

    @Test
    void loses_and_duplicates_nothing_when_killed_while_packing(TestEngine engine) throws Exception {
        this.engine = engine;
        // a day of 400 meters reporting every minute, written as the history of an older engine
        engine.post("/v1/ingest", meter("M-seed", DAY.plus(1, ChronoUnit.HOURS), "0.1", 230));
        engine.execute("""
                INSERT INTO meter_telemetry_history (meter_id, ts, kwh_consumed_ac, voltage, received_at)
                SELECT 'M' || lpad(device::text, 4, '0'), minute, round(random()::numeric, 4), 230 + device %% 7,
                       minute + interval '2 seconds'
                FROM generate_series(1, 400) AS device,
                     generate_series(timestamptz '%s', timestamptz '%s', interval '1 minute') AS minute
                """.formatted(DAY, DAY.plus(1, ChronoUnit.DAYS).minusSeconds(60)));
        long total = readingsOfDay();
        assertThat(total).isEqualTo(400 * 1_440 + 1);
        Map<String, String> env = TestEngine.environment(engine.database());

        ProcessBuilder builder = new ProcessBuilder(EngineJar.command("compact")).redirectErrorStream(true)
                .redirectOutput(new File("target/packing-killed.log"));
        builder.environment().keySet().removeIf(name -> name.startsWith("EIE_"));
        builder.environment().putAll(env);
        Process killed = builder.start();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() ->
                    engine.count("SELECT count(*) FROM meter_history_packed") > 0);
            killed.destroyForcibly(); // SIGKILL
            killed.waitFor();
        } finally {
            killed.destroyForcibly();
        }
        long packedAtKill = engine.count("SELECT count(*) FROM meter_history_packed");
        long inHistoryAtKill = engine.count("SELECT count(*) FROM meter_telemetry_history");

        assertThat(packedAtKill).as("packing was halfway when it was killed").isBetween(1L, 399L);
        assertThat(inHistoryAtKill).isPositive();
        assertThat(readingsOfDay()).isEqualTo(total);
        assertThat(distinctReadingsOfDay()).isEqualTo(total);

        EngineProcess.Finished rerun = EngineJar.run(env, "compact");

        assertThat(rerun.exitCode()).as(rerun.output()).isZero();
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history")).isZero();
        assertThat(engine.count("SELECT count(*) FROM meter_history_packed")).isEqualTo(401);
        assertThat(readingsOfDay()).isEqualTo(total);
        assertThat(distinctReadingsOfDay()).isEqualTo(total);
    }

    @Test
    void waits_while_the_writers_have_a_backlog(TestEngine engine) throws Exception {
        this.engine = engine;
        loadFleet();
        Jdbi jdbi = Jdbi.create(engine.database()::connect).installPlugin(new PostgresPlugin());
        AtomicBoolean busy = new AtomicBoolean(true);
        PackingSettings fullSpeed = new PackingSettings(PackingSettings.DEFAULTS.after(), 1, PackingSettings.DEFAULTS.every(),
                PackingSettings.DEFAULTS.devicesPerStep());
        Compactor compactor = new Compactor(jdbi, new Partitions(jdbi), fullSpeed, busy::get,
                new SimpleMeterRegistry());
        CompletableFuture<List<Compactor.PackedDay>> packing = CompletableFuture.supplyAsync(() -> {
            try {
                return compactor.packClosedDays(Instant.now());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        Thread.sleep(3_000);
        assertThat(engine.count("SELECT count(*) FROM meter_history_packed")).as("packed while the writers were busy").isZero();
        assertThat(packing).isNotDone();

        busy.set(false);

        assertThat(packing.get(60, TimeUnit.SECONDS)).isNotEmpty();
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history")).isZero();
    }

    @Test
    void a_database_packed_before_days_had_totals_gets_them_when_migrated() {
        TestInfrastructure.TestDatabase database = TestInfrastructure.get().newDatabase();
        migrate(database, "4");
        database.execute("""
                CREATE TABLE meter_history_packed_p20261201 PARTITION OF meter_history_packed
                    FOR VALUES FROM ('2026-12-01T00:00:00Z') TO ('2026-12-02T00:00:00Z');
                CREATE TABLE vehicle_history_packed_p20261201 PARTITION OF vehicle_history_packed
                    FOR VALUES FROM ('2026-12-01T00:00:00Z') TO ('2026-12-02T00:00:00Z');
                INSERT INTO meter_history_packed VALUES ('M1', '2026-12-01T00:00:00Z', 3, '2026-12-01T00:00:00Z',
                    '2026-12-01T00:02:00Z', '{0,60000000,60000000}', '{0.125,1.000000000001,2}', '{230,231,229.5}',
                    '2026-12-01T00:00:01Z', '{0,60000000,60000000}');
                INSERT INTO vehicle_history_packed VALUES ('V1', '2026-12-01T00:00:00Z', 2, '2026-12-01T00:00:00Z',
                    '2026-12-01T00:01:00Z', '{0,60000000}', '{50,51}', '{0.5,0.25}', '{30.5,31}',
                    '2026-12-01T00:00:01Z', '{0,60000000}');
                """);

        migrate(database, "latest");

        assertThat(database.strings("SELECT CAST(kwh_consumed_ac_total AS text) FROM meter_history_packed"))
                .containsExactly("3.125000000001");
        assertThat(database.strings("SELECT kwh_delivered_dc_total || ' ' || battery_temp_total FROM vehicle_history_packed"))
                .containsExactly("0.75 61.5");
        assertThat(database.strings("SELECT kwh_consumed_ac || ' ' || readings FROM meter_sums('M1', '-infinity', 'infinity')"))
                .containsExactly("3.125000000001 3");
    }

    private static void migrate(TestInfrastructure.TestDatabase database, String version) {
        Flyway.configure().dataSource(database.jdbcUrl(), database.username(), database.password())
                .locations("classpath:db/migration").target(version).load().migrate();
    }

    private long readingsOfDay() {
        return engine.count("SELECT (SELECT count(*) FROM meter_telemetry_history) "
                + "+ (SELECT coalesce(sum(readings), 0) FROM meter_history_packed)");
    }

    private long distinctReadingsOfDay() {
        return engine.count("SELECT count(*) FROM (SELECT meter_id, ts FROM meter_telemetry_history UNION "
                + "SELECT packed.meter_id, reading.ts FROM meter_history_packed packed, meter_unpacked(packed) reading) readings");
    }

    private List<Compactor.PackedDay> packClosedDays() throws InterruptedException {
        return engine.app().compactor().packClosedDays(Instant.now());
    }

    /**
     * Two meters and two vehicles over three days: PM1 reports intervals, PM2 a register that is
     * reset during the day; PV1 reports intervals and is moved from PM1 to PM2 at 13:00, PV2 a
     * register reset at midnight.
     */
    private void loadFleet() {
        engine.put("/v1/meters/PM2/settings", "{\"energyReporting\": \"register\"}");
        engine.put("/v1/vehicles/PV2/settings", "{\"energyReporting\": \"register\"}");
        link("PV1", "PM1", DAY.minus(2, ChronoUnit.DAYS));
        link("PV1", "PM2", DAY.plus(13, ChronoUnit.HOURS));
        link("PV2", "PM2", DAY.minus(2, ChronoUnit.DAYS));
        List<String> readings = new ArrayList<>();
        for (int i = 0; i < READINGS; i++) {
            Instant ts = FIRST.plus(7L * i, ChronoUnit.MINUTES);
            readings.add(meter("PM1", ts, "0.1" + (i % 97), 229.5 + (i % 10) / 10.0));
            readings.add(meter("PM2", ts, registerValue(ts), 230.1));
            readings.add(vehicle("PV1", ts, "0.0" + (i % 89)));
            String register = ts.isBefore(DAY) ? "8000." + i : "0." + (1000 + i);
            readings.add(vehicle("PV2", ts, register));
            if (readings.size() >= 400 || i == READINGS - 1) {
                TestEngine.Response response = engine.post("/v1/ingest", "[" + String.join(",", readings) + "]");
                assertThat(response.json().get("accepted").asInt()).as(response.raw().body()).isEqualTo(readings.size());
                readings.clear();
            }
        }
    }

    /** PM2's register: rises 0.25 kWh every 7 minutes, and starts again from 0.5 at 09:00 of the day. */
    private static String registerValue(Instant ts) {
        long minutes = ChronoUnit.MINUTES.between(FIRST, ts);
        Instant reset = DAY.plus(9, ChronoUnit.HOURS);
        return ts.isBefore(reset) ? String.valueOf(500 + minutes * 0.25 / 7)
                : String.valueOf(0.5 + ChronoUnit.MINUTES.between(reset, ts) * 0.25 / 7);
    }

    private void link(String vehicle, String meter, Instant from) {
        assertThat(engine.put("/v1/vehicles/" + vehicle + "/meter", "{\"meterId\": \"" + meter + "\", \"from\": \"" + from + "\"}")
                .status()).isEqualTo(200);
    }

    /** Every question asked of the engine about the fleet, by name, with its whole answer. */
    private Map<String, String> answers() {
        Map<String, String> answers = new LinkedHashMap<>();
        List<Instant[]> windows = List.of(
                new Instant[] {FIRST, FIRST.plus(READINGS * 7L, ChronoUnit.MINUTES)},
                new Instant[] {DAY, DAY.plus(1, ChronoUnit.DAYS)},
                new Instant[] {DAY.plus(10, ChronoUnit.HOURS), DAY.plus(34, ChronoUnit.HOURS)},
                new Instant[] {DAY.plus(13 * 60 + 5, ChronoUnit.MINUTES).plusMillis(500), DAY.plus(18, ChronoUnit.HOURS)},
                new Instant[] {DAY.minus(1, ChronoUnit.MINUTES), DAY.plus(3, ChronoUnit.MINUTES)});
        for (Instant[] window : windows) {
            String query = "?from=" + window[0] + "&to=" + window[1];
            for (String vehicle : List.of("PV1", "PV2")) {
                ask(answers, "/v1/analytics/performance/" + vehicle + query);
            }
            ask(answers, "/v1/analytics/fleet/efficiency" + query);
        }
        String days = "?from=" + DAY.minus(1, ChronoUnit.DAYS) + "&to=" + DAY.plus(2, ChronoUnit.DAYS);
        ask(answers, "/v1/analytics/performance/PV1/series" + days);
        ask(answers, "/v1/analytics/performance/PV2/series" + days);
        for (String path : List.of("/v1/vehicles/PV1", "/v1/vehicles/PV2", "/v1/meters/PM1", "/v1/meters/PM2")) {
            ask(answers, path);
        }
        answers.put("meter rollups", String.join("\n", history("SELECT * FROM meter_hourly ORDER BY meter_id, hour")));
        answers.put("vehicle rollups", String.join("\n", history("SELECT * FROM vehicle_hourly ORDER BY vehicle_id, hour")));
        return answers;
    }

    private void ask(Map<String, String> answers, String path) {
        TestEngine.Response response = engine.get(path);
        assertThat(response.status()).as(path + ": " + response.raw().body()).isEqualTo(200);
        answers.put(path, response.raw().body());
    }

    /** The rows of these queries as text, sorted. */
    private List<String> history(String... queries) {
        List<String> rows = new ArrayList<>();
        for (String query : queries) {
            rows.addAll(engine.database().strings("SELECT CAST(row AS text) FROM (" + query + ") row"));
        }
        rows.sort(String::compareTo);
        return rows;
    }

    private record BigDecimalPair(BigDecimal ac, long readings) {
    }

    private BigDecimalPair acAndReadings(String window) {
        var metrics = engine.get("/v1/analytics/performance/PV1" + window).json().get("metrics");
        return new BigDecimalPair(metrics.get("totalEnergyConsumedAc").decimalValue(), metrics.get("meterReadings").asLong());
    }

    private static String meter(String id, Instant ts, String kwh, double voltage) {
        return "{\"meterId\":\"" + id + "\",\"kwhConsumedAc\":" + kwh + ",\"voltage\":" + voltage + ",\"timestamp\":\""
                + ts + "\"}";
    }

    private static String vehicle(String id, Instant ts, String kwh) {
        long minute = ChronoUnit.MINUTES.between(FIRST, ts);
        return "{\"vehicleId\":\"" + id + "\",\"soc\":" + (20 + minute % 7000 / 100.0) + ",\"kwhDeliveredDc\":" + kwh
                + ",\"batteryTemp\":" + (25 + minute % 13 / 10.0) + ",\"timestamp\":\"" + ts + "\"}";
    }
}
