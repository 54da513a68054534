package io.eie.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eie.physics.ChargingPair;
import io.eie.process.EngineProcess;
import io.eie.simulator.Connections;
import io.eie.simulator.Fleet;
import io.eie.simulator.LinkRegistrar;
import io.eie.simulator.Simulation;
import io.eie.units.Durations;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code analytics}: a day of history for a fleet (10,000 vehicle-meter pairs by default), put in
 * through the engine (over MQTT, or posted over HTTP), then one vehicle's 24-hour report, the
 * whole fleet's efficiency from the hourly rollups beside the same question over raw history, and
 * a 31-day series of one vehicle.
 */
final class AnalyticsPhase {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The fleet question over raw history, for comparison: each vehicle's DC, and its linked
     * meters' AC over the spans their links cover, worst efficiency first. The benchmark's own
     * baseline, not a query the engine runs: what the rollups are measured against.
     */
    private static final String FLEET_FROM_HISTORY = """
            WITH window_ AS (SELECT CAST(? AS timestamptz) AS from_, CAST(? AS timestamptz) AS to_),
            vehicle AS (
                SELECT vehicle_id, sum(kwh_delivered_dc) AS dc, count(*) AS readings, avg(battery_temp) AS temp
                FROM vehicle_telemetry_history, window_ WHERE ts >= from_ AND ts < to_ GROUP BY vehicle_id
            ), meter AS (
                SELECT link.vehicle_id, sum(history.kwh_consumed_ac) AS ac, count(*) AS readings
                FROM vehicle_meter_link link, window_
                JOIN meter_telemetry_history history ON true
                WHERE history.meter_id = link.meter_id AND history.ts >= greatest(link.valid_from, from_)
                  AND history.ts < least(coalesce(link.valid_to, 'infinity'), to_)
                GROUP BY link.vehicle_id
            )
            SELECT vehicle.vehicle_id, meter.ac, vehicle.dc, vehicle.dc / nullif(meter.ac, 0) AS efficiency, vehicle.temp
            FROM vehicle LEFT JOIN meter USING (vehicle_id)
            ORDER BY efficiency NULLS LAST, vehicle.vehicle_id
            LIMIT 100
            """;

    private final Bench bench;
    private final BenchCommand settings;

    AnalyticsPhase(Bench bench) {
        this.bench = bench;
        this.settings = bench.settings;
    }

    void run() throws Exception {
        String db = bench.freshDatabase("day");
        try (EngineProcess engine = bench.startEngine(db, settings.mqtt, bench.prefix("day"), "eie-bench-day-" + bench.runId)) {
            EngineMetrics metrics = new EngineMetrics(() -> engine.get("/metrics"));
            long now = System.currentTimeMillis();
            long start = now - settings.history.toMillis();
            Fleet fleet = Fleet.create(settings.analyticsVehicles, "V", "M", 0.05, start - 60_000, 180_000, 17);
            int refused = LinkRegistrar.register(engine.uri("/"), fleet, Instant.ofEpochMilli(start));
            long expected = switch (settings.historyLoad) {
                case "mqtt" -> backfill(engine, metrics, fleet, start, now, refused);
                case "http" -> post(engine, fleet, start, now);
                default -> throw new IllegalArgumentException("--history-load is mqtt or http, not " + settings.historyLoad);
            };
            bench.vacuum(db);
            checkEfficiencies(engine, fleet, Instant.ofEpochMilli(start), Instant.ofEpochMilli(now), expected);
            alarms(engine, fleet);
            bench.reports(engine, fleet, "", String.format(Locale.ROOT, "Analytics, 24 h of one vehicle out of %,d rows",
                    expected), "");
            fleet(engine, db, fleet, Instant.ofEpochMilli(start), Instant.ofEpochMilli(now), expected);
            series(engine, db, fleet, Instant.ofEpochMilli(start));
        }
    }

    /** Plays the day through the broker and the engine as fast as they take it; returns the readings committed. */
    private long backfill(EngineProcess engine, EngineMetrics metrics, Fleet fleet, long start, long now, int refused)
            throws Exception {
        Connections connections = bench.connections(fleet, 8);
        connections.connect(8, Duration.ofMinutes(1));
        AtomicLong seen = new AtomicLong();
        long expected;
        long began = System.nanoTime();
        try (Bench.Poller poller = new Bench.Poller(() -> seen.set(metrics.committed()));
             ProcessWatch watch = new ProcessWatch(engine.pid())) {
            Simulation simulation = new Simulation(fleet, connections, new Simulation.Settings(60_000, 1, start, now, true,
                    0, 0, 0, 0, bench.prefix("day"), 17), () -> {
                        while (connections.published.sum() - seen.get() > settings.maxLag) {
                            Thread.sleep(1);
                        }
                    });
            AtomicBoolean done = new AtomicBoolean();
            Thread progress = new Thread(() -> {
                while (!done.get()) {
                    Bench.sleep(30_000);
                    System.out.printf("  backfill: %,d published, %,d committed, simulated %s%n",
                            connections.published.sum(), seen.get(), Instant.ofEpochMilli(simulation.simulatedNow()));
                }
            }, "backfill-progress");
            progress.setDaemon(true);
            progress.start();
            simulation.run(() -> false);
            connections.close(Duration.ofMinutes(2));
            expected = connections.acknowledged.sum();
            while (metrics.committed() < expected) {
                Thread.sleep(100);
            }
            done.set(true);
            double seconds = (System.nanoTime() - began) / 1e9;
            bench.results.add(new Report.Row(String.format(Locale.ROOT,
                    "MQTT, backfill: a day of history for %,d vehicle-meter pairs over 8 connections", settings.analyticsVehicles),
                    expected / seconds, "readings/s", Double.NaN, Double.NaN,
                    String.format(Locale.ROOT, "%,d readings in %s; %d links refused", expected,
                            Durations.format(Duration.ofSeconds((long) seconds)), refused),
                    watch.usage().cores(), watch.usage().peakResidentBytes()));
        }
        return expected;
    }

    /** Posts the day the MQTT backfill would play (the same physics, a reading a minute from every device); returns the readings stored. */
    private long post(EngineProcess engine, Fleet fleet, long start, long now) throws Exception {
        try (ProcessWatch watch = new ProcessWatch(engine.pid())) {
            HistoryLoad.Result load = HistoryLoad.post(engine, fleet, start, now, 60_000);
            if (load.failed() > 0) {
                throw new IllegalStateException(load.failed() + " readings of the day were not accepted; see the engine's log");
            }
            bench.results.add(new Report.Row(String.format(Locale.ROOT,
                    "HTTP, history: a day for %,d vehicle-meter pairs in arrays of 1,000 over 8 connections", fleet.size()),
                    load.readings() / load.seconds(), "readings/s", Double.NaN, Double.NaN, String.format(Locale.ROOT,
                    "%,d readings in %s; history, rollups and live rows made by the engine", load.readings(),
                    Durations.format(Duration.ofSeconds((long) load.seconds()))),
                    watch.usage().cores(), watch.usage().peakResidentBytes()));
            return load.readings();
        }
    }

    private void checkEfficiencies(EngineProcess engine, Fleet fleet, Instant from, Instant to, long rows) throws IOException {
        double worst = 0;
        int faultyFlagged = 0;
        int faulty = 0;
        int healthyFlagged = 0;
        int checked = 0;
        for (int i = 0; i < fleet.size(); i += Math.max(1, fleet.size() / 200)) {
            ChargingPair pair = fleet.pair(i);
            JsonNode report = JSON.readTree(engine.get("/v1/analytics/performance/" + pair.vehicleId + "?from=" + from + "&to=" + to));
            JsonNode ratio = report.path("metrics").path("efficiencyRatio");
            if (ratio.isNull() || ratio.isMissingNode()) {
                continue;
            }
            checked++;
            worst = Math.max(worst, Math.abs(ratio.asDouble() - pair.efficiency));
            boolean alert = report.path("efficiencyAlert").asBoolean();
            if (pair.faulty) {
                faulty++;
                faultyFlagged += alert ? 1 : 0;
            } else {
                healthyFlagged += alert ? 1 : 0;
            }
        }
        bench.results.check(String.format(Locale.ROOT,
                "Analytics on the backfilled day (%,d rows): for %d vehicles checked, the efficiency differs from the simulated "
                        + "charger's by at most %.4f; %d of %d faulty chargers raise the alert, %d healthy ones do",
                rows, checked, worst, faultyFlagged, faulty, healthyFlagged));
    }

    /**
     * What the alarm rules cost over the loaded fleet: the mean of the next two evaluations (the
     * engine runs them every minute on its own), and the alarms they keep open beside the
     * chargers the simulation made faulty.
     */
    private void alarms(EngineProcess engine, Fleet fleet) throws Exception {
        double count = engine.metric("eie_alarm_evaluation_seconds_count");
        double sum = engine.metric("eie_alarm_evaluation_seconds_sum");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (engine.metric("eie_alarm_evaluation_seconds_count") < count + 2 && System.nanoTime() < deadline) {
            Thread.sleep(1_000);
        }
        double evaluations = engine.metric("eie_alarm_evaluation_seconds_count") - count;
        double seconds = engine.metric("eie_alarm_evaluation_seconds_sum") - sum;
        int faulty = 0;
        for (int i = 0; i < fleet.size(); i++) {
            faulty += fleet.pair(i).faulty ? 1 : 0;
        }
        bench.results.add(new Report.Row(String.format(Locale.ROOT,
                "Alarm rules over the fleet (%,d pairs with a day of readings): one evaluation of every rule", fleet.size()),
                1_000 * seconds / Math.max(evaluations, 1), "ms", Double.NaN, Double.NaN, String.format(Locale.ROOT,
                "mean of %.0f evaluations (one a minute, on the engine's alarms thread); open after them: %.0f low_efficiency, "
                        + "%.0f impossible_efficiency, %.0f battery_temperature; the simulation made %,d chargers faulty",
                evaluations, engine.metric("eie_alarms_active{rule=\"low_efficiency\"}"),
                engine.metric("eie_alarms_active{rule=\"impossible_efficiency\"}"),
                engine.metric("eie_alarms_active{rule=\"battery_temperature\"}"), faulty), Double.NaN, 0));
    }

    /** The whole fleet's efficiency over the day, by the engine and by one query over raw history. */
    private void fleet(EngineProcess engine, String db, Fleet fleet, Instant start, Instant now, long rows) throws Exception {
        String host = "127.0.0.1:" + engine.httpPort();
        String window = "from=" + start + "&to=" + now;
        try (ProcessWatch watch = new ProcessWatch(engine.pid())) {
            HttpLoad.Result result = HttpLoad.run("127.0.0.1", engine.httpPort(), 1, Duration.ofSeconds(5),
                    Duration.ofSeconds(30), 1, (connection, n) -> HttpLoad.request("GET",
                            "/v1/analytics/fleet/efficiency?" + window + "&limit=100", host, null));
            ProcessWatch.Usage usage = watch.usage();
            bench.results.add(new Report.Row(String.format(Locale.ROOT,
                    "Fleet efficiency, worst 100 of %,d vehicles over the backfilled day, from hourly rollups", fleet.size()),
                    result.requestsPerSecond(), "requests/s", result.latencies().percentileMillis(50),
                    result.latencies().percentileMillis(99), String.format(Locale.ROOT,
                    "one rollup row per device and hour in place of %,d readings; %,d failed", rows, result.errors()),
                    usage.cores(), usage.peakResidentBytes()));
        }
        Latencies raw = new Latencies();
        long rawNanos = 0;
        try (Connection connection = bench.connect(db); PreparedStatement query = connection.prepareStatement(FLEET_FROM_HISTORY)) {
            try (Statement noJit = connection.createStatement()) {
                noJit.execute("SET jit = off"); // as the engine runs its fleet query
            }
            for (int i = 0; i < 3; i++) {
                query.setObject(1, OffsetDateTime.ofInstant(start, ZoneOffset.UTC));
                query.setObject(2, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                long began = System.nanoTime();
                try (ResultSet result = query.executeQuery()) {
                    while (result.next()) {
                        // read every row, as the engine would
                    }
                }
                raw.add(System.nanoTime() - began);
                rawNanos += System.nanoTime() - began;
            }
        }
        bench.results.add(new Report.Row(String.format(Locale.ROOT,
                "For comparison: the same question (AC, DC and efficiency, worst 100) by one query over the %,d readings", rows),
                3 / (rawNanos / 1e9), "queries/s", raw.percentileMillis(50), raw.percentileMillis(99),
                "3 runs straight after each other in the database (JIT off, as for the engine's query), no engine; "
                        + "less than the engine answers (no flags, no coverage)",
                Double.NaN, 0));
    }

    /**
     * A 31-day series of one vehicle by the hour. The 30 days before the loaded one are posted
     * first, a reading an hour from every device: a series reads the hourly rollups, which hold a
     * row per device and hour however many readings it took, so they are as many as a month of a
     * reading a minute would leave.
     */
    private void series(EngineProcess engine, String db, Fleet fleet, Instant start) throws Exception {
        Instant monthStart = start.truncatedTo(ChronoUnit.DAYS).minus(30, ChronoUnit.DAYS);
        long from = monthStart.minus(1, ChronoUnit.HOURS).toEpochMilli();
        // the same vehicles and meters, their physics played from the month's start
        Fleet earlier = Fleet.create(settings.analyticsVehicles, "V", "M", 0.05, from - 60_000, Duration.ofHours(2).toMillis(), 17);
        HistoryLoad.Result month = HistoryLoad.post(engine, earlier, from,
                start.truncatedTo(ChronoUnit.DAYS).minus(1, ChronoUnit.HOURS).toEpochMilli(), Duration.ofHours(1).toMillis());
        if (month.failed() > 0) {
            throw new IllegalStateException(month.failed() + " readings of the month were not accepted; see the engine's log");
        }
        System.out.printf("  posted %,d readings for the 30 days before the loaded one, an hour apart, in %.0f s%n",
                month.readings(), month.seconds());
        bench.vacuum(db);
        Random random = new Random(31);
        Instant seriesStart = start.truncatedTo(ChronoUnit.HOURS).minus(30, ChronoUnit.DAYS);
        String host = "127.0.0.1:" + engine.httpPort();
        for (int concurrency : new int[] {1, 8}) {
            try (ProcessWatch watch = new ProcessWatch(engine.pid())) {
                HttpLoad.Result result = HttpLoad.run("127.0.0.1", engine.httpPort(), concurrency, Duration.ofSeconds(5),
                        Duration.ofSeconds(30), 1, (connection, n) -> HttpLoad.request("GET",
                                "/v1/analytics/performance/" + fleet.pair(random.nextInt(fleet.size())).vehicleId
                                        + "/series?from=" + seriesStart + "&to=" + seriesStart.plus(31, ChronoUnit.DAYS),
                                host, null));
                ProcessWatch.Usage usage = watch.usage();
                bench.results.add(new Report.Row(String.format(Locale.ROOT,
                        "Series, 31 days of one vehicle by the hour (744 points), concurrency %d", concurrency),
                        result.requestsPerSecond(), "requests/s", result.latencies().percentileMillis(50),
                        result.latencies().percentileMillis(99), String.format(Locale.ROOT,
                        "rollups of 31 days for %,d pairs (the 30 days before the loaded one from %,d readings an hour "
                                + "apart); %,d failed", fleet.size(), month.readings(), result.errors()),
                        usage.cores(), usage.peakResidentBytes()));
            }
        }
    }
}
