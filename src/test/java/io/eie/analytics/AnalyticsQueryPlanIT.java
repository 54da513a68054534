package io.eie.analytics;

import io.eie.storage.EnergyModes;
import io.eie.telemetry.DeviceKind;
import io.eie.telemetry.EnergyMode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eie.storage.Partitions;
import io.eie.testing.EngineExtension;
import io.eie.testing.TestEngine;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The analytics read one device's range of the {@code (id, ts)} primary key in the partitions the
 * window touches, never a whole table: the plans, on three days of history for 200 devices.
 */
@ExtendWith(EngineExtension.class)
class AnalyticsQueryPlanIT {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    private static Jdbi jdbi;

    @BeforeAll
    static void loadHistory(TestEngine engine) {
        jdbi = Jdbi.create(engine.database()::connect).installPlugin(new PostgresPlugin());
        new Partitions(jdbi).createAhead(NOW.minus(3, ChronoUnit.DAYS), 3);
        // 200 meters and 200 vehicles, a reading every two minutes for three days (432,000 rows a
        // table), in arrival order: each device's rows spread over the whole heap, as in production
        engine.execute("""
                INSERT INTO meter_telemetry_history (meter_id, ts, kwh_consumed_ac, voltage, received_at)
                SELECT 'M' || device, ts, 0.2, 230, ts
                FROM generate_series(now() - interval '3 days', now() - interval '1 minute', interval '2 minutes') AS ts,
                     generate_series(1, 200) AS device
                """);
        engine.execute("""
                INSERT INTO vehicle_telemetry_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at)
                SELECT 'V' || device, ts, 50, 0.18, 30, ts
                FROM generate_series(now() - interval '3 days', now() - interval '1 minute', interval '2 minutes') AS ts,
                     generate_series(1, 200) AS device
                """);
        engine.execute("INSERT INTO vehicle_meter_link (vehicle_id, meter_id, valid_from, valid_to) VALUES "
                + "('V7', 'M7', now() - interval '10 days', now() - interval '12 hours'), "
                + "('V7', 'M8', now() - interval '12 hours', NULL)");
        vacuumUntilAllVisible(engine, "meter_telemetry_history");
        vacuumUntilAllVisible(engine, "vehicle_telemetry_history");
    }

    /**
     * The steady state autovacuum keeps append-only history in: every page marked all-visible, so
     * that index-only scans need no heap fetches. A concurrent autovacuum ANALYZE can hold back a
     * single VACUUM, hence the retries.
     */
    private static void vacuumUntilAllVisible(TestEngine engine, String table) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            engine.execute("VACUUM ANALYZE " + table);
            return engine.count("SELECT count(*) FROM pg_class WHERE relname LIKE '" + table + "_p%' "
                    + "AND relkind = 'r' AND relallvisible < relpages") == 0;
        });
    }

    @Test
    void sums_a_vehicle_by_an_index_range_scan_of_the_partitions_in_the_window() {
        String plan = explain(Analytics.VEHICLE_TOTALS);

        assertThat(plan).contains("Index Only Scan using vehicle_telemetry_history_p");
        assertThat(plan).contains("Index Cond: ((vehicle_id = 'V7'::text)");
        assertThat(plan).doesNotContain("Seq Scan");
        assertThat(partitionsNamedIn(plan, "vehicle_telemetry_history_p")).isBetween(1L, 2L);
    }

    @Test
    void sums_an_interval_device_by_an_index_only_range_scan() {
        String plan = explain(Analytics.energy(DeviceKind.METER, EnergyMode.INTERVAL));

        assertThat(plan).contains("Index Only Scan using meter_telemetry_history_p");
        assertThat(plan).contains("Index Cond: ((meter_id = 'V7'::text)");
        assertThat(plan).doesNotContain("Seq Scan");
        assertThat(partitionsNamedIn(plan, "meter_telemetry_history_p")).isBetween(1L, 2L);
    }

    @Test
    void reads_a_register_device_by_an_index_range_scan_and_one_probe_before_it() {
        String plan = explain(Analytics.energy(DeviceKind.VEHICLE, EnergyMode.REGISTER));

        assertThat(plan).contains("Index Only Scan Backward using vehicle_telemetry_history_p");
        assertThat(plan).contains("Limit");
        assertThat(plan).contains("Index Cond: ((vehicle_id = 'V7'::text)");
        assertThat(plan).doesNotContain("Seq Scan");
    }

    @Test
    void reads_the_live_snapshot_by_primary_key() {
        String plan = explain(Analytics.SNAPSHOT);

        assertThat(plan).doesNotContain("Seq Scan on vehicle_live_status").doesNotContain("Seq Scan on meter_live_status");
    }

    @Test
    void the_queries_answer_on_the_loaded_history() {
        Analytics analytics = new Analytics(jdbi, AnalyticsSettings.DEFAULTS, new EnergyModes(jdbi, EnergyModes.Defaults.INTERVAL));

        PerformanceReport report = analytics.performance("V7", NOW.minus(24, ChronoUnit.HOURS), NOW).orElseThrow();

        assertThat(report.meterIds()).containsExactly("M7", "M8");
        assertThat(report.metrics().vehicleReadings()).isBetween(719L, 721L);
        assertThat(report.metrics().meterReadings()).isBetween(719L, 721L);
        assertThat(report.metrics().efficiencyRatio()).isEqualByComparingTo("0.9");
    }

    private static String explain(String sql) {
        List<String> lines = jdbi.withHandle(handle -> {
            var query = handle.createQuery("EXPLAIN " + sql)
                    .bind("from", NOW.minus(24, ChronoUnit.HOURS))
                    .bind("to", NOW);
            // the one device asked about, whichever kind the statement reads
            if (sql.contains(":vehicleId")) {
                query.bind("vehicleId", "V7");
            }
            if (sql.contains(":meterId")) {
                query.bind("meterId", "V7");
            }
            if (sql.contains(":vehicleDefault")) {
                query.bind("vehicleDefault", "interval");
            }
            return query.mapTo(String.class).list();
        });
        return String.join("\n", lines);
    }

    private static long partitionsNamedIn(String plan, String prefix) {
        return plan.lines().filter(line -> line.contains(prefix)).map(line -> {
            int start = line.indexOf(prefix);
            return line.substring(start, start + prefix.length() + 8);
        }).distinct().count();
    }
}
