package io.eie;

import static org.assertj.core.api.Assertions.assertThat;

import io.eie.testing.EngineExtension;
import io.eie.testing.TestEngine;
import io.eie.testing.TestInfrastructure.TestDatabase;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The hourly rollups the writer keeps always equal what history says, however the readings
 * arrive: in any order, late into hours already rolled up, twice, and whichever way their devices
 * report energy. Each test compares every rollup row with a recomputation from history by one
 * plain query, both ways round.
 */
@ExtendWith(EngineExtension.class)
class HourlyRollupIT {

    private static final Instant HOUR = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(30, ChronoUnit.HOURS);

    /**
     * What the meter rollups should hold: per device and hour, from all of history in device
     * time order; register devices rise from their previous reading, a drop counting from the new value.
     */
    private static final String METER_TRUTH = """
            WITH readings AS (
                SELECT meter_id, ts, kwh_consumed_ac AS value, voltage,
                       lag(kwh_consumed_ac) OVER (PARTITION BY meter_id ORDER BY ts) AS previous,
                       coalesce((SELECT mode FROM device_energy_mode WHERE kind = 'meter' AND device_id = meter_id),
                                '%s') AS mode
                FROM meter_telemetry_history)
            SELECT meter_id, date_trunc('hour', ts, 'UTC') AS hour, count(*) AS readings,
                   sum(CASE WHEN mode = 'interval' THEN value WHEN previous IS NULL THEN 0
                            WHEN value >= previous THEN value - previous ELSE value END) AS kwh,
                   count(*) FILTER (WHERE mode = 'register' AND value < previous) AS resets,
                   round(sum(voltage)::numeric, 6) AS voltage_sum,
                   bit_or(1::bigint << extract(minute FROM ts AT TIME ZONE 'UTC')::int) AS minutes
            FROM readings GROUP BY 1, 2
            """;

    private static final String METER_ROLLUPS =
            "SELECT meter_id, hour, readings, kwh, resets, round(voltage_sum::numeric, 6), minutes FROM meter_hourly";

    private static final String VEHICLE_TRUTH = """
            WITH readings AS (
                SELECT vehicle_id, ts, kwh_delivered_dc AS value, soc, battery_temp,
                       lag(kwh_delivered_dc) OVER (PARTITION BY vehicle_id ORDER BY ts) AS previous,
                       coalesce((SELECT mode FROM device_energy_mode WHERE kind = 'vehicle' AND device_id = vehicle_id),
                                '%s') AS mode
                FROM vehicle_telemetry_history)
            SELECT vehicle_id, date_trunc('hour', ts, 'UTC') AS hour, count(*) AS readings,
                   sum(CASE WHEN mode = 'interval' THEN value WHEN previous IS NULL THEN 0
                            WHEN value >= previous THEN value - previous ELSE value END) AS kwh,
                   count(*) FILTER (WHERE mode = 'register' AND value < previous) AS resets,
                   round(sum(battery_temp)::numeric, 6) AS temp_sum, max(battery_temp) AS temp_max, max(ts) AS last_ts,
                   (array_agg(soc ORDER BY ts DESC))[1] AS last_soc,
                   bit_or(1::bigint << extract(minute FROM ts AT TIME ZONE 'UTC')::int) AS minutes
            FROM readings GROUP BY 1, 2
            """;

    private static final String VEHICLE_ROLLUPS = """
            SELECT vehicle_id, hour, readings, kwh, resets, round(battery_temp_sum::numeric, 6), battery_temp_max,
                   last_ts, last_soc, minutes
            FROM vehicle_hourly
            """;

    @Test
    void sums_interval_readings_that_arrive_shuffled_late_and_twice() {
        try (TestEngine engine = TestEngine.start()) {
            List<String> readings = new ArrayList<>();
            Random random = new Random(11);
            for (int minute = 0; minute < 180; minute += 1 + random.nextInt(3)) {
                for (int device = 1; device <= 3; device++) {
                    readings.add(meter("M" + device, minute, random.nextInt(500) / 1000.0));
                    readings.add(vehicle("V" + device, minute, random.nextInt(400) / 1000.0, 20 + random.nextInt(80)));
                }
            }
            readings.addAll(readings.subList(0, 40)); // sent again, later
            Collections.shuffle(readings, random);

            send(engine, readings, 25);

            assertMatchesHistory(engine, "interval", "interval");
            assertThat(engine.count("SELECT count(*) FROM meter_hourly WHERE resets > 0")).isZero();
        }
    }

    @Test
    void follows_registers_through_late_readings_resets_and_mode_changes() {
        try (TestEngine engine = TestEngine.start()) {
            assertThat(engine.put("/v1/meters/MR/settings", "{\"energyReporting\": \"register\"}").status()).isEqualTo(200);
            assertThat(engine.put("/v1/vehicles/VR/settings", "{\"energyReporting\": \"register\"}").status()).isEqualTo(200);
            List<String> readings = new ArrayList<>();
            Random random = new Random(5);
            double meterRegister = 1000;
            double vehicleRegister = 20;
            boolean replaced = false;
            for (int minute = 0; minute < 240; minute += 1 + random.nextInt(4)) {
                meterRegister += random.nextInt(300) / 1000.0;
                vehicleRegister += random.nextInt(250) / 1000.0;
                if (minute >= 97 && !replaced) {
                    meterRegister = 0.125; // the meter was replaced: its register starts again
                    replaced = true;
                }
                readings.add(meter("MR", minute, meterRegister));
                readings.add(vehicle("VR", minute, vehicleRegister, 50));
                readings.add(meter("MI", minute, 0.1));
            }
            List<String> late = new ArrayList<>(readings.subList(0, readings.size() / 3));
            List<String> onTime = new ArrayList<>(readings.subList(readings.size() / 3, readings.size()));
            Collections.shuffle(late, random);

            send(engine, onTime, 30);
            send(engine, late, 7); // late readings land inside and before hours already rolled up

            assertMatchesHistory(engine, "interval", "interval");
            assertThat(engine.count("SELECT sum(resets) FROM meter_hourly WHERE meter_id = 'MR'")).isEqualTo(1);

            // the other way round, and back: each change rebuilds the device's hours
            assertThat(engine.put("/v1/meters/MR/settings", "{\"energyReporting\": \"interval\"}").json()
                    .get("energyReporting").asText()).isEqualTo("interval");
            assertThat(engine.put("/v1/meters/MI/settings", "{\"energyReporting\": \"register\"}").status()).isEqualTo(200);
            assertMatchesHistory(engine, "interval", "interval");
            assertThat(engine.count("SELECT sum(resets) FROM meter_hourly WHERE meter_id = 'MR'")).isZero();
        }
    }

    @Test
    void rebuilds_the_rollups_when_the_configured_default_changes_between_runs(TestDatabase database) {
        List<String> readings = new ArrayList<>();
        for (int minute = 0; minute < 120; minute += 2) {
            readings.add(meter("M1", minute, 50 + minute / 10.0));
            readings.add(vehicle("V1", minute, 0.2, 40));
        }
        try (TestEngine engine = TestEngine.start(database, Map.of())) {
            send(engine, readings, 40);
            assertMatchesHistory(engine, "interval", "interval");
        }

        try (TestEngine engine = TestEngine.start(database, Map.of("EIE_METER_ENERGY_MODE", "register"))) {
            assertMatchesHistory(engine, "register", "interval");
            assertThat(engine.get("/v1/meters/M1/settings").json().get("energyReporting").asText()).isEqualTo("register");
            assertThat(engine.get("/v1/meters/M1/settings").json().get("ownSetting").asBoolean()).isFalse();
            assertThat(engine.queryValue("SELECT sum(kwh) FROM meter_hourly").toString()).isEqualTo("11.8");
        }
    }

    private static void assertMatchesHistory(TestEngine engine, String meterDefault, String vehicleDefault) {
        String meterTruth = METER_TRUTH.formatted(meterDefault);
        String vehicleTruth = VEHICLE_TRUTH.formatted(vehicleDefault);
        assertThat(engine.count("SELECT count(*) FROM ((" + METER_ROLLUPS + ") EXCEPT (" + meterTruth + ")) wrong"))
                .as("meter rollups that history does not support").isZero();
        assertThat(engine.count("SELECT count(*) FROM ((" + meterTruth + ") EXCEPT (" + METER_ROLLUPS + ")) missing"))
                .as("meter hours that history has and the rollups lack").isZero();
        assertThat(engine.count("SELECT count(*) FROM ((" + VEHICLE_ROLLUPS + ") EXCEPT (" + vehicleTruth + ")) wrong"))
                .as("vehicle rollups that history does not support").isZero();
        assertThat(engine.count("SELECT count(*) FROM ((" + vehicleTruth + ") EXCEPT (" + VEHICLE_ROLLUPS + ")) missing"))
                .as("vehicle hours that history has and the rollups lack").isZero();
        assertThat(engine.count("SELECT count(*) FROM meter_hourly")).isPositive();
    }

    @Test
    void keeps_registers_right_when_batches_of_the_same_devices_commit_at_once() throws Exception {
        // batches of at most 20 writes: the second writer joins once 20 wait, not 1,000
        try (TestEngine engine = TestEngine.start(Map.of("EIE_BATCH_SIZE", "20"))) {
            List<String> readings = new ArrayList<>();
            Random random = new Random(23);
            for (int device = 1; device <= 2; device++) {
                assertThat(engine.put("/v1/meters/MR" + device + "/settings", "{\"energyReporting\": \"register\"}")
                        .status()).isEqualTo(200);
                assertThat(engine.put("/v1/vehicles/VR" + device + "/settings", "{\"energyReporting\": \"register\"}")
                        .status()).isEqualTo(200);
                double meterRegister = 500;
                double vehicleRegister = 400;
                for (int minute = 0; minute < 600; minute++) {
                    // frequent resets: an hour's energy then depends on every reading in it and
                    // on the one before it, so a recompute that misses one is wrong
                    meterRegister = random.nextInt(4) == 0 ? random.nextInt(100) / 1000.0
                            : meterRegister + random.nextInt(300) / 1000.0;
                    vehicleRegister = random.nextInt(4) == 0 ? random.nextInt(100) / 1000.0
                            : vehicleRegister + random.nextInt(250) / 1000.0;
                    readings.add(meter("MR" + device, minute, meterRegister));
                    readings.add(vehicle("VR" + device, minute, vehicleRegister, 50));
                }
            }
            Collections.shuffle(readings, random);

            // eight clients at once: the engine's two writers commit batches of the same devices
            // side by side, and each register recompute must see the other batch's readings
            List<List<String>> shares = new ArrayList<>();
            for (int client = 0; client < 8; client++) {
                shares.add(new ArrayList<>());
            }
            for (int i = 0; i < readings.size(); i++) {
                shares.get(i % 8).add(readings.get(i));
            }
            ExecutorService clients = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> sent = new ArrayList<>();
                for (List<String> share : shares) {
                    sent.add(clients.submit(() -> send(engine, share, 10)));
                }
                for (Future<?> done : sent) {
                    done.get(2, TimeUnit.MINUTES);
                }
            } finally {
                clients.shutdownNow();
            }

            assertMatchesHistory(engine, "interval", "interval");
            assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history")).isEqualTo(2 * 600);
            assertThat(engine.get("/metrics").raw().body()).as("the second writer took batches")
                    .containsPattern("(?m)^eie_writer_batches_total\\{writer=\"2\"} [1-9]");
        }
    }

    /** Posts the readings in arrays of {@code size}, checking that each was taken. */
    private static void send(TestEngine engine, List<String> readings, int size) {
        for (int i = 0; i < readings.size(); i += size) {
            String body = "[" + String.join(",", readings.subList(i, Math.min(readings.size(), i + size))) + "]";
            TestEngine.Response response = engine.post("/v1/ingest", body);
            assertThat(response.status()).as(response.raw().body()).isEqualTo(200);
            assertThat(response.json().get("rejected").asInt()).as(response.raw().body()).isZero();
        }
    }

    private static String meter(String id, int minute, double kwh) {
        return String.format(Locale.ROOT, "{\"meterId\":\"%s\",\"kwhConsumedAc\":%.3f,\"voltage\":%d,\"timestamp\":\"%s\"}",
                id, kwh, 225 + minute % 11, HOUR.plus(minute, ChronoUnit.MINUTES).plusSeconds(minute % 50));
    }

    private static String vehicle(String id, int minute, double kwh, int soc) {
        return String.format(Locale.ROOT,
                "{\"vehicleId\":\"%s\",\"soc\":%d,\"kwhDeliveredDc\":%.3f,\"batteryTemp\":%.1f,\"timestamp\":\"%s\"}",
                id, soc, kwh, 25 + (minute % 17) / 2.0, HOUR.plus(minute, ChronoUnit.MINUTES).plusSeconds(minute % 50));
    }
}
