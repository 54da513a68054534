package io.eie.analytics;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/**
 * Analytics over whole hours, read from the hourly rollups the writer keeps ({@code
 * meter_hourly}, {@code vehicle_hourly}) rather than from history: the whole fleet's efficiency in
 * one query, and one vehicle's hours for charts. A link counts for the hours whose start it
 * covers.
 */
public final class HourlyAnalytics {

    /** Where a page of the fleet starts: after this vehicle in the order of the list. */
    public record Cursor(int group, BigDecimal efficiency, String vehicleId) {

        /** An opaque, URL-safe form for the {@code cursor} parameter. */
        public String encode() {
            String plain = group + "|" + (efficiency == null ? "" : efficiency.toPlainString()) + "|" + vehicleId;
            return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
        }

        /** The cursor this text encodes; empty when it is not one. */
        public static Optional<Cursor> decode(String text) {
            try {
                String plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
                String[] parts = plain.split("\\|", 3);
                if (parts.length != 3 || parts[2].isEmpty()) {
                    return Optional.empty();
                }
                int group = Integer.parseInt(parts[0]);
                BigDecimal efficiency = parts[1].isEmpty() ? null : new BigDecimal(parts[1]);
                return group == 0 || group == 1 ? Optional.of(new Cursor(group, efficiency, parts[2])) : Optional.empty();
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
    }

    /**
     * What to list: the window (whole hours), the thresholds, a page; and the time now, for
     * coverage, which counts the minutes of the window that have passed.
     */
    public record FleetQuery(Instant from, Instant to, BigDecimal threshold, FleetReport.Flag flag, int limit,
                             Cursor after, Instant now) {
    }

    /**
     * Every vehicle that reported in the window or has a link in it, with its linked meters'
     * AC over the hours each link covers, its DC, and the flags, in the order of the list:
     * vehicles that can be judged (both sides reported, and enough energy to tell) first, by
     * efficiency, lowest first (an efficiency above 1 is impossible and sorts last among them);
     * then the rest. Paged by keyset on that order; the counts cover the whole fleet.
     *
     * <p>It reads each rollup table once, summing per device; a link that starts or ends inside
     * the window sums the hours it covers by an index range scan instead. Coverage, which pairs
     * the two sides hour by hour, is worked out for the rows of the page only.
     */
    static final String FLEET = """
            WITH links AS (
                SELECT vehicle_id, meter_id, greatest(valid_from, :from) AS span_from,
                       least(coalesce(valid_to, 'infinity'), :to) AS span_to,
                       valid_from <= :from AND (valid_to IS NULL OR valid_to >= :to) AS whole
                FROM vehicle_meter_link
                WHERE valid_from < :to AND (valid_to IS NULL OR valid_to > :from)
            ), vehicle_totals AS (
                SELECT vehicle_id, sum(kwh) AS dc, sum(readings) AS readings, sum(resets) AS resets,
                       sum(battery_temp_sum) AS temp_sum
                FROM vehicle_hourly
                WHERE hour >= :from AND hour < :to
                GROUP BY vehicle_id
            ), meter_totals AS (
                SELECT meter_id, sum(kwh) AS ac, sum(readings) AS readings, sum(resets) AS resets
                FROM meter_hourly
                WHERE hour >= :from AND hour < :to
                GROUP BY meter_id
            ), link_totals AS (
                SELECT links.vehicle_id, links.meter_id, span.*
                FROM links
                LEFT JOIN meter_totals meter ON meter.meter_id = links.meter_id
                LEFT JOIN vehicle_totals vehicle ON vehicle.vehicle_id = links.vehicle_id
                CROSS JOIN LATERAL (
                    SELECT coalesce(meter.ac, 0) AS ac, coalesce(meter.readings, 0) AS meter_readings,
                           coalesce(meter.resets, 0) AS meter_resets, coalesce(vehicle.dc, 0) AS linked_dc
                    WHERE links.whole
                    UNION ALL
                    SELECT part_meter.ac, part_meter.readings, part_meter.resets, part_vehicle.dc
                    FROM (SELECT coalesce(sum(kwh), 0) AS ac, coalesce(sum(readings), 0) AS readings,
                                 coalesce(sum(resets), 0) AS resets
                          FROM meter_hourly
                          WHERE meter_id = links.meter_id AND hour >= links.span_from AND hour < links.span_to
                            AND hour >= :from AND hour < :to) part_meter,
                         (SELECT coalesce(sum(kwh), 0) AS dc
                          FROM vehicle_hourly
                          WHERE vehicle_id = links.vehicle_id AND hour >= links.span_from AND hour < links.span_to
                            AND hour >= :from AND hour < :to) part_vehicle
                    WHERE NOT links.whole
                ) span
            ), linked AS (
                SELECT vehicle_id, array_agg(DISTINCT meter_id) AS meter_ids, sum(ac) AS ac,
                       sum(meter_readings) AS meter_readings, sum(meter_resets) AS meter_resets,
                       sum(linked_dc) AS linked_dc
                FROM link_totals GROUP BY vehicle_id
            ), fleet AS (
                SELECT vehicle_id FROM vehicle_totals UNION SELECT vehicle_id FROM linked
            ), totals AS (
                SELECT fleet.vehicle_id, linked.meter_ids,
                       coalesce(linked.ac, 0) AS ac, coalesce(vehicle_totals.dc, 0) AS dc,
                       coalesce(linked.linked_dc, 0) AS linked_dc,
                       vehicle_totals.temp_sum / nullif(vehicle_totals.readings, 0) AS avg_temp,
                       coalesce(vehicle_totals.readings, 0) AS vehicle_readings,
                       coalesce(linked.meter_readings, 0) AS meter_readings,
                       coalesce(vehicle_totals.resets, 0) AS vehicle_resets,
                       coalesce(linked.meter_resets, 0) AS meter_resets,
                       linked.vehicle_id IS NULL AS no_meter_link
                FROM fleet
                LEFT JOIN vehicle_totals USING (vehicle_id)
                LEFT JOIN linked USING (vehicle_id)
            ), judged AS (
                SELECT *,
                       CASE WHEN ac > 0 THEN linked_dc / ac END AS efficiency,
                       greatest(ac, linked_dc) >= :minKwh AND vehicle_readings > 0 AND meter_readings > 0 AS judgeable
                FROM totals
            ), flagged AS (
                SELECT *,
                       judgeable AND ac > 0 AND efficiency < :threshold AS low_efficiency,
                       judgeable AND linked_dc > ac * (1 + :tolerance) AS impossible_efficiency,
                       NOT no_meter_link AND meter_readings = 0 AS missing_meter_data,
                       NOT no_meter_link AND vehicle_readings = 0 AS missing_vehicle_data,
                       CASE WHEN judgeable THEN 0 ELSE 1 END AS rank_group,
                       coalesce(efficiency, 'Infinity') AS rank_efficiency
                FROM judged
            ), counted AS (
                SELECT *,
                       count(*) OVER () AS all_vehicles,
                       count(*) FILTER (WHERE low_efficiency) OVER () AS all_low_efficiency,
                       count(*) FILTER (WHERE impossible_efficiency) OVER () AS all_impossible_efficiency,
                       count(*) FILTER (WHERE no_meter_link) OVER () AS all_no_meter_link,
                       count(*) FILTER (WHERE missing_meter_data) OVER () AS all_missing_meter_data,
                       count(*) FILTER (WHERE missing_vehicle_data) OVER () AS all_missing_vehicle_data
                FROM flagged
            ), listed AS (
                SELECT *, true AS listed FROM counted WHERE {flag}
                UNION ALL -- one more row, for the counts when the page is empty
                (SELECT *, false FROM counted LIMIT 1)
            ), page AS (
                SELECT *, listed AND (rank_group, rank_efficiency, vehicle_id)
                                     > (:afterGroup, CAST(:afterEfficiency AS numeric), :afterVehicle) AS on_page
                FROM listed
                ORDER BY on_page DESC, rank_group, rank_efficiency, vehicle_id
                LIMIT :limit + 1
            )
            SELECT page.*, coverage.both_minutes
            FROM page
            CROSS JOIN LATERAL (
                SELECT coalesce(sum(bit_count((vehicle.minutes & meter.minutes)::bit(64))), 0) AS both_minutes
                FROM vehicle_meter_link link
                JOIN vehicle_hourly vehicle ON vehicle.vehicle_id = link.vehicle_id
                 AND vehicle.hour >= link.valid_from AND (link.valid_to IS NULL OR vehicle.hour < link.valid_to)
                 AND vehicle.hour >= :from AND vehicle.hour < :to
                JOIN meter_hourly meter ON meter.meter_id = link.meter_id AND meter.hour = vehicle.hour
                 AND meter.hour >= :from AND meter.hour < :to
                WHERE link.vehicle_id = page.vehicle_id AND page.on_page
                  AND link.valid_from < :to AND (link.valid_to IS NULL OR link.valid_to > :from)
            ) coverage
            ORDER BY page.on_page DESC, page.rank_group, page.rank_efficiency, page.vehicle_id
            """;

    /**
     * One vehicle's buckets over {@code [from, to)}: its DC, temperatures and last state of
     * charge; the DC of the hours a link covers; and the AC of the linked meters over those
     * hours. Every bucket of the window is listed, empty ones too.
     */
    static final String SERIES = """
            WITH buckets AS (
                SELECT bucket FROM generate_series(CAST(:from AS timestamptz), CAST(:to AS timestamptz) - CAST(:step AS interval),
                                                   CAST(:step AS interval)) AS bucket
            ), links AS (
                SELECT meter_id, valid_from, valid_to
                FROM vehicle_meter_link
                WHERE vehicle_id = :vehicleId AND valid_from < :to AND (valid_to IS NULL OR valid_to > :from)
            ), vehicle_hours AS (
                SELECT date_bin(CAST(:step AS interval), hour, :from) AS bucket, kwh, readings, resets, battery_temp_sum,
                       battery_temp_max, last_ts, last_soc,
                       EXISTS (SELECT 1 FROM links
                               WHERE hour >= links.valid_from AND (links.valid_to IS NULL OR hour < links.valid_to)) AS linked
                FROM vehicle_hourly
                WHERE vehicle_id = :vehicleId AND hour >= :from AND hour < :to
            ), vehicle AS (
                SELECT bucket, sum(kwh) AS dc, sum(kwh) FILTER (WHERE linked) AS linked_dc, sum(readings) AS readings,
                       sum(resets) AS resets, sum(battery_temp_sum) / sum(readings) AS avg_temp,
                       max(battery_temp_max) AS max_temp, (array_agg(last_soc ORDER BY last_ts DESC))[1] AS last_soc
                FROM vehicle_hours GROUP BY bucket
            ), meter AS (
                SELECT date_bin(CAST(:step AS interval), meter.hour, :from) AS bucket, sum(meter.kwh) AS ac,
                       sum(meter.readings) AS readings, sum(meter.resets) AS resets
                FROM links
                JOIN meter_hourly meter ON meter.meter_id = links.meter_id
                 AND meter.hour >= links.valid_from AND (links.valid_to IS NULL OR meter.hour < links.valid_to)
                WHERE meter.hour >= :from AND meter.hour < :to
                GROUP BY 1
            )
            SELECT buckets.bucket, coalesce(meter.ac, 0) AS ac, coalesce(vehicle.dc, 0) AS dc,
                   coalesce(vehicle.linked_dc, 0) AS linked_dc, vehicle.avg_temp, vehicle.max_temp, vehicle.last_soc,
                   coalesce(vehicle.readings, 0) AS vehicle_readings, coalesce(meter.readings, 0) AS meter_readings,
                   coalesce(vehicle.resets, 0) AS vehicle_resets, coalesce(meter.resets, 0) AS meter_resets
            FROM buckets
            LEFT JOIN vehicle USING (bucket)
            LEFT JOIN meter USING (bucket)
            ORDER BY buckets.bucket
            """;

    private final Jdbi jdbi;
    private final AnalyticsSettings settings;

    public HourlyAnalytics(Jdbi jdbi, AnalyticsSettings settings) {
        this.jdbi = jdbi;
        this.settings = settings;
    }

    public AnalyticsSettings settings() {
        return settings;
    }

    /** A page of the fleet's efficiency over {@code [from, to)}, a window of whole hours. */
    public FleetReport fleet(FleetQuery query) {
        String flag = query.flag() == null ? "true" : query.flag().label();
        Cursor after = query.after() == null ? new Cursor(-1, null, "") : query.after();
        record Listed(FleetReport.Row row, boolean onPage, Cursor position, FleetReport.Summary summary) {
        }
        List<Listed> listed = jdbi.inTransaction(handle -> {
            // PostgreSQL's estimates for this many joined aggregates are far off, high enough to
            // make it compile the query to machine code first: seconds, for a query that runs in
            // a fraction of one. And a plan made for the window at hand prunes the partitions
            // outside it before it runs; the generic plan a prepared statement falls back to
            // after five runs does that while running, and takes half as long again.
            handle.execute("SET LOCAL jit = off");
            handle.execute("SET LOCAL plan_cache_mode = force_custom_plan");
            Query sql = handle.createQuery(FLEET.replace("{flag}", flag))
                    .bind("from", query.from()).bind("to", query.to())
                    .bind("threshold", query.threshold())
                    .bind("minKwh", settings.minJudgedKwh())
                    .bind("tolerance", settings.impossibleTolerance())
                    .bind("afterGroup", after.group())
                    .bind("afterEfficiency", after.efficiency() == null ? "Infinity" : after.efficiency().toPlainString())
                    .bind("afterVehicle", after.vehicleId())
                    .bind("limit", query.limit());
            Instant end = query.to().isAfter(query.now()) ? query.now() : query.to();
            // the minute under way counts once a reading is in it: minutes begun, not minutes ended
            long minutes = Math.max(1, (Duration.between(query.from(), end).toNanos() + 59_999_999_999L) / 60_000_000_000L);
            return sql.map((rs, ctx) -> new Listed(row(rs, minutes), rs.getBoolean("on_page"), position(rs),
                    summary(rs))).list();
        });

        FleetReport.Summary summary = listed.isEmpty() ? new FleetReport.Summary(0, 0, 0, 0, 0, 0) : listed.get(0).summary();
        List<FleetReport.Row> page = new ArrayList<>();
        Cursor last = null;
        boolean more = false;
        for (Listed item : listed) {
            if (!item.onPage()) {
                break;
            }
            if (page.size() == query.limit()) {
                more = true;
                break;
            }
            page.add(item.row());
            last = item.position();
        }
        return new FleetReport(new PerformanceReport.Window(query.from(), query.to()), query.threshold(),
                settings.minJudgedKwh(), settings.impossibleTolerance(), summary, page,
                more ? last.encode() : null);
    }

    /**
     * One vehicle's buckets of {@code bucket} (a whole number of hours) over {@code [from, to)},
     * a window aligned to them; empty when the engine has never heard of the vehicle.
     */
    public Optional<SeriesReport> series(String vehicleId, Instant from, Instant to, Duration bucket, String bucketName) {
        return jdbi.withHandle(handle -> {
            if (!Analytics.isKnown(handle, vehicleId)) {
                return Optional.empty();
            }
            List<SeriesReport.Point> points = handle.createQuery(SERIES)
                    .bind("vehicleId", vehicleId).bind("from", from).bind("to", to)
                    .bind("step", bucket.toHours() + " hours")
                    .map((rs, ctx) -> point(rs, bucket))
                    .list();
            return Optional.of(new SeriesReport(vehicleId, new PerformanceReport.Window(from, to), bucketName,
                    settings.efficiencyThreshold(), points));
        });
    }

    private static SeriesReport.Point point(ResultSet rs, Duration bucket) throws SQLException {
        Instant start = rs.getObject("bucket", java.time.OffsetDateTime.class).toInstant();
        BigDecimal ac = rs.getBigDecimal("ac");
        BigDecimal linkedDc = rs.getBigDecimal("linked_dc");
        return new SeriesReport.Point(start, start.plus(bucket), Analytics.plain(ac), Analytics.plain(rs.getBigDecimal("dc")),
                Analytics.plain(linkedDc), efficiency(ac, linkedDc), rounded(rs, "avg_temp"), rounded(rs, "max_temp"),
                rounded(rs, "last_soc"), rs.getLong("vehicle_readings"), rs.getLong("meter_readings"),
                new PerformanceReport.RegisterResets(rs.getLong("vehicle_resets"), rs.getLong("meter_resets")));
    }

    /** Linked DC ÷ AC to four decimals, or {@code null} without AC. */
    private static BigDecimal efficiency(BigDecimal ac, BigDecimal linkedDc) {
        return ac.signum() > 0
                ? Analytics.plain(linkedDc.divide(ac, MathContext.DECIMAL64).setScale(4, RoundingMode.HALF_EVEN))
                : null;
    }

    private static Double rounded(ResultSet rs, String column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? null : Analytics.round2(value);
    }

    private static FleetReport.Row row(ResultSet rs, long windowMinutes) throws SQLException {
        BigDecimal ac = rs.getBigDecimal("ac");
        BigDecimal linkedDc = rs.getBigDecimal("linked_dc");
        BigDecimal efficiency = efficiency(ac, linkedDc);
        List<String> flags = new ArrayList<>();
        for (FleetReport.Flag flag : FleetReport.Flag.values()) {
            if (rs.getBoolean(flag.label())) {
                flags.add(flag.label());
            }
        }
        // at most 1: readings up to the engine's future tolerance ahead of its clock fill minutes
        // that have not begun yet
        double coverage = Math.min(1, BigDecimal.valueOf(rs.getLong("both_minutes"))
                .divide(BigDecimal.valueOf(windowMinutes), 4, RoundingMode.HALF_EVEN).doubleValue());
        return new FleetReport.Row(rs.getString("vehicle_id"), meterIds(rs.getArray("meter_ids")), Analytics.plain(ac),
                Analytics.plain(rs.getBigDecimal("dc")), Analytics.plain(linkedDc), efficiency, rounded(rs, "avg_temp"),
                rs.getLong("vehicle_readings"), rs.getLong("meter_readings"), coverage,
                new PerformanceReport.RegisterResets(rs.getLong("vehicle_resets"), rs.getLong("meter_resets")), flags);
    }

    private static Cursor position(ResultSet rs) throws SQLException {
        BigDecimal efficiency = rs.getBigDecimal("efficiency");
        return new Cursor(rs.getInt("rank_group"), efficiency, rs.getString("vehicle_id"));
    }

    private static FleetReport.Summary summary(ResultSet rs) throws SQLException {
        return new FleetReport.Summary(rs.getLong("all_vehicles"), rs.getLong("all_low_efficiency"),
                rs.getLong("all_impossible_efficiency"), rs.getLong("all_no_meter_link"),
                rs.getLong("all_missing_meter_data"), rs.getLong("all_missing_vehicle_data"));
    }

    private static List<String> meterIds(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        List<String> ids = new ArrayList<>(List.of((String[]) array.getArray()));
        ids.sort(null);
        return ids;
    }
}
