package io.eie.http;

import io.eie.analytics.FleetOverview;
import io.eie.analytics.PerformanceReport;
import io.eie.analytics.FleetReport;
import io.eie.analytics.HourlyAnalytics;
import io.eie.analytics.HourlyAnalytics.Cursor;
import io.eie.analytics.HourlyAnalytics.FleetQuery;
import io.eie.analytics.Analytics;
import io.eie.units.Durations;
import io.javalin.http.Context;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The views over whole hours, read from the hourly rollups: the fleet's efficiency, one
 * vehicle's series for charts, and the fleet at a glance.
 */
final class HourlyEndpoints {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1_000;
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration DEFAULT_RECENT = Duration.ofMinutes(5);

    private final HourlyAnalytics hourly;
    private final Analytics analytics;
    private final Supplier<FleetOverview.IngestRate> ingestRate;
    private final Clock clock;

    HourlyEndpoints(HourlyAnalytics hourly, Analytics analytics, Supplier<FleetOverview.IngestRate> ingestRate,
                    Clock clock) {
        this.hourly = hourly;
        this.analytics = analytics;
        this.ingestRate = ingestRate;
        this.clock = clock;
    }

    /** {@code GET /v1/analytics/fleet/efficiency?from=&to=&threshold=&flag=&limit=&cursor=}. */
    void fleet(Context ctx) {
        Window window = window(ctx, HOUR);
        BigDecimal threshold = threshold(ctx.queryParam("threshold"));
        String flagName = ctx.queryParam("flag");
        FleetReport.Flag flag = null;
        if (flagName != null && !flagName.isBlank()) {
            flag = FleetReport.Flag.fromLabel(flagName.trim()).orElseThrow(() -> ApiError.badRequest("flag",
                    "flag must be one of " + String.join(", ", Arrays.stream(FleetReport.Flag.values())
                            .map(FleetReport.Flag::label).toList())));
        }
        int limit = Params.limit(ctx.queryParam("limit"), DEFAULT_LIMIT, MAX_LIMIT);
        Cursor after = null;
        String cursor = ctx.queryParam("cursor");
        if (cursor != null && !cursor.isBlank()) {
            after = Cursor.decode(cursor.trim()).orElseThrow(() -> ApiError.badRequest("cursor",
                    "cursor must be the cursor of a page's next link"));
        }
        FleetReport report = hourly.fleet(new FleetQuery(window.from(), window.to(), threshold, flag, limit, after,
                clock.instant()));
        ctx.json(new FleetPage(report, report.nextCursor() == null ? null
                : "/v1/analytics/fleet/efficiency?from=" + encode(window.from()) + "&to=" + encode(window.to())
                + "&threshold=" + threshold.toPlainString() + (flag == null ? "" : "&flag=" + flag.label())
                + "&limit=" + limit + "&cursor=" + report.nextCursor()));
    }

    /** The fleet report and the path of its next page, when there is one. */
    record FleetPage(PerformanceReport.Window window, BigDecimal threshold, BigDecimal minKwh, BigDecimal tolerance,
                     FleetReport.Summary summary, java.util.List<FleetReport.Row> vehicles, String next) {

        FleetPage(FleetReport report, String next) {
            this(report.window(), report.threshold(), report.minKwh(), report.tolerance(), report.summary(),
                    report.vehicles(), next);
        }
    }

    /** {@code GET /v1/analytics/performance/{vehicleId}/series?from=&to=&bucket=}. */
    void series(Context ctx) {
        String vehicleId = Params.deviceId(ctx, "vehicleId");
        String bucketName = ctx.queryParamAsClass("bucket", String.class).getOrDefault("1h").trim();
        Duration bucket = Durations.parse(bucketName)
                .filter(d -> d.toMinutes() % 60 == 0 && d.compareTo(HOUR) >= 0 && d.compareTo(Duration.ofDays(1)) <= 0)
                .orElseThrow(() -> ApiError.badRequest("bucket", "bucket must be a whole number of hours from 1h to 24h, such as 1h or 6h"));
        Window window = window(ctx, bucket);
        ctx.json(hourly.series(vehicleId, window.from(), window.to(), bucket, Durations.format(bucket))
                .orElseThrow(() -> ApiError.notFound("vehicle " + vehicleId + " has neither reported nor been linked to a meter")));
    }

    /** {@code GET /v1/analytics/fleet/overview?recent=}: devices heard from recently, and the intake. */
    void overview(Context ctx) {
        String recentText = ctx.queryParam("recent");
        Duration recent = DEFAULT_RECENT;
        if (recentText != null && !recentText.isBlank()) {
            recent = Durations.parse(recentText.trim())
                    .filter(d -> d.toMinutes() >= 1 && d.compareTo(Duration.ofDays(1)) <= 0)
                    .orElseThrow(() -> ApiError.badRequest("recent", "recent must be a duration from 1m to 1d, such as 5m"));
        }
        ctx.json(analytics.overview(clock.instant().truncatedTo(ChronoUnit.SECONDS), recent, ingestRate.get()));
    }

    private record Window(Instant from, Instant to) {
    }

    /**
     * The window of an hourly view: whole buckets from {@code from} rounded down to the hour, up
     * to {@code to} rounded up to a whole bucket; by default the 24 hours up to the end of the
     * current hour; at most 31 days as asked (the rounding may add up to a bucket at each end).
     */
    private Window window(Context ctx, Duration bucket) {
        Instant from = Params.instant("from", ctx.queryParam("from"));
        Instant to = Params.instant("to", ctx.queryParam("to"));
        Duration standard = hourly.settings().defaultWindow();
        Instant endOfThisHour = ceilHour(clock.instant());
        if (to == null && from != null && !from.isBefore(endOfThisHour)) {
            throw ApiError.badRequest("from", "from must be before the end of the current hour when to is not given");
        }
        if (to == null) {
            to = from == null ? endOfThisHour : min(from.plus(standard), endOfThisHour);
        }
        if (from == null) {
            from = to.minus(standard);
        }
        if (!from.isBefore(to)) {
            throw ApiError.badRequest("from", "from must be before to");
        }
        if (Duration.between(from, to).compareTo(hourly.settings().maxWindow()) > 0) {
            throw ApiError.badRequest("to", "the window may cover at most " + Durations.format(hourly.settings().maxWindow()));
        }
        from = from.truncatedTo(ChronoUnit.HOURS);
        long buckets = (Duration.between(from, to).toSeconds() + bucket.toSeconds() - 1) / bucket.toSeconds();
        to = from.plus(bucket.multipliedBy(Math.max(1, buckets)));
        return new Window(from, to);
    }

    private BigDecimal threshold(String value) {
        if (value == null || value.isBlank()) {
            return hourly.settings().efficiencyThreshold();
        }
        try {
            BigDecimal threshold = new BigDecimal(value.trim());
            if (threshold.signum() >= 0 && threshold.compareTo(BigDecimal.ONE) <= 0) {
                return threshold;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest("threshold", "threshold must be a number from 0 to 1, such as 0.85");
    }

    private static Instant ceilHour(Instant instant) {
        Instant floor = instant.truncatedTo(ChronoUnit.HOURS);
        return floor.equals(instant) ? floor : floor.plus(HOUR);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static String encode(Instant instant) {
        return URLEncoder.encode(instant.toString(), StandardCharsets.UTF_8);
    }
}
