package io.eie.http;

import io.eie.analytics.Analytics;
import io.eie.analytics.AnalyticsSettings;
import io.eie.units.Durations;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The read side: charging performance and the live state of devices. */
final class ReadEndpoints {

    private final Analytics analytics;
    private final Clock clock;

    ReadEndpoints(Analytics analytics, Clock clock) {
        this.analytics = analytics;
        this.clock = clock;
    }

    /** {@code GET /v1/analytics/performance/{vehicleId}?from=&to=}: default the 24 hours ending now. */
    void performance(Context ctx) {
        String vehicleId = Params.deviceId(ctx, "vehicleId");
        AnalyticsSettings settings = analytics.settings();
        Instant from = Params.instant("from", ctx.queryParam("from"));
        Instant to = Params.instant("to", ctx.queryParam("to"));
        if (to == null && from != null && !from.isBefore(clock.instant())) {
            throw ApiError.badRequest("from", "from must be in the past when to is not given (to defaults to now)");
        }
        if (to == null) {
            to = from == null ? clock.instant().truncatedTo(ChronoUnit.MICROS) : min(from.plus(settings.defaultWindow()), clock.instant());
        }
        if (from == null) {
            from = to.minus(settings.defaultWindow());
        }
        if (!from.isBefore(to)) {
            throw ApiError.badRequest("from", "from must be before to");
        }
        if (Duration.between(from, to).compareTo(settings.maxWindow()) > 0) {
            throw ApiError.badRequest("to", "the window may cover at most " + Durations.format(settings.maxWindow()));
        }
        ctx.json(analytics.performance(vehicleId, from, to)
                .orElseThrow(() -> ApiError.notFound("vehicle " + vehicleId + " has neither reported nor been linked to a meter")));
    }

    /** {@code GET /v1/vehicles/{vehicleId}}: the live row. */
    void vehicle(Context ctx) {
        String vehicleId = Params.deviceId(ctx, "vehicleId");
        ctx.json(analytics.vehicle(vehicleId)
                .orElseThrow(() -> ApiError.notFound("vehicle " + vehicleId + " has not reported")));
    }

    /** {@code GET /v1/meters/{meterId}}: the live row. */
    void meter(Context ctx) {
        String meterId = Params.deviceId(ctx, "meterId");
        ctx.json(analytics.meter(meterId)
                .orElseThrow(() -> ApiError.notFound("meter " + meterId + " has not reported")));
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
