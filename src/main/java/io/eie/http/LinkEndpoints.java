package io.eie.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.eie.storage.VehicleMeterLinks;
import io.eie.storage.VehicleMeterLinks.Link;
import io.eie.telemetry.DeviceId;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/** {@code /v1/vehicles/{vehicleId}/meter}: which meter feeds a vehicle, and since when. */
final class LinkEndpoints {

    /** A vehicle's links: the open one, if any, and all of them newest first. */
    record LinkView(String vehicleId, Link current, List<Link> history) {
    }

    private final VehicleMeterLinks links;
    private final HttpSettings settings;
    private final Clock clock;

    LinkEndpoints(VehicleMeterLinks links, HttpSettings settings, Clock clock) {
        this.links = links;
        this.settings = settings;
        this.clock = clock;
    }

    /** {@code GET}: the current link and the history. */
    void show(Context ctx) {
        String vehicleId = Params.deviceId(ctx, "vehicleId");
        List<Link> history = links.history(vehicleId);
        if (history.isEmpty()) {
            throw ApiError.notFound("vehicle " + vehicleId + " has never been linked to a meter");
        }
        ctx.json(view(vehicleId, history));
    }

    /** {@code PUT {"meterId", "from"?}}: links the vehicle to a meter, closing the previous link then. */
    void link(Context ctx) {
        String vehicleId = Params.deviceId(ctx, "vehicleId");
        JsonNode body = Params.jsonObject(ctx, "{\"meterId\": \"M2001\"}");
        JsonNode meterId = body.get("meterId");
        if (meterId == null || meterId.isNull()) {
            throw ApiError.badRequest("meterId", "meterId is required");
        }
        if (!meterId.isTextual() || !DeviceId.isValid(meterId.textValue())) {
            throw ApiError.badRequest("meterId", DeviceId.problem("meterId"));
        }
        JsonNode fromNode = body.get("from");
        if (fromNode != null && !fromNode.isNull() && !fromNode.isTextual()) {
            throw ApiError.badRequest("from", "from must be an ISO-8601 string such as 2026-02-10T10:00:00Z");
        }
        Instant from = instantNotInFuture("from", fromNode == null || fromNode.isNull() ? null : fromNode.textValue());
        apply(ctx, vehicleId, links.link(vehicleId, meterId.textValue(), from));
    }

    /** {@code DELETE ?at=}: ends the vehicle's open link (at {@code at}, default now). */
    void unlink(Context ctx) {
        String vehicleId = Params.deviceId(ctx, "vehicleId");
        Instant at = instantNotInFuture("at", ctx.queryParam("at"));
        VehicleMeterLinks.Change change = links.unlink(vehicleId, at);
        if (change instanceof VehicleMeterLinks.Unchanged unchanged && unchanged.link() == null) {
            throw ApiError.notFound("vehicle " + vehicleId + " has never been linked to a meter");
        }
        apply(ctx, vehicleId, change);
    }

    private void apply(Context ctx, String vehicleId, VehicleMeterLinks.Change change) {
        if (change instanceof VehicleMeterLinks.Refused refused) {
            throw new ApiError(409, "link_conflict", refused.reason());
        }
        ctx.json(view(vehicleId, links.history(vehicleId)));
    }

    private Instant instantNotInFuture(String field, String value) {
        Instant now = clock.instant();
        Instant at = Params.instant(field, value);
        if (at == null) {
            return now.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        }
        if (at.isAfter(now.plus(settings.maxFutureSkew()))) {
            throw ApiError.badRequest(field, field + " must not be in the future");
        }
        return at;
    }

    private static LinkView view(String vehicleId, List<Link> history) {
        Link current = history.isEmpty() || !history.get(0).isOpen() ? null : history.get(0);
        return new LinkView(vehicleId, current, history);
    }
}
