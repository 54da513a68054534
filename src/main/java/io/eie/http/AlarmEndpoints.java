package io.eie.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.eie.alarms.Alarm;
import io.eie.alarms.AlarmRule;
import io.eie.alarms.Alarms;
import io.eie.telemetry.DeviceId;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code GET /v1/alarms}, {@code GET /v1/alarms/{id}} and {@code POST /v1/alarms/{id}/acknowledge}:
 * the alarms the rules raised, newest first, and an operator's acknowledgement.
 */
final class AlarmEndpoints {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1_000;
    private static final int MAX_ACTOR_LENGTH = 200;
    private static final List<String> STATES = List.of("active", "cleared", "all");

    /** A page of alarms, and the path of the next one when this one is full. */
    record Page(List<Alarm> alarms, String next) {
    }

    private final Alarms alarms;
    private final Clock clock;

    AlarmEndpoints(Alarms alarms, Clock clock) {
        this.alarms = alarms;
        this.clock = clock;
    }

    void list(Context ctx) {
        String state = ctx.queryParam("state") == null ? "active" : ctx.queryParam("state").trim();
        if (!STATES.contains(state)) {
            throw ApiError.badRequest("state", "state must be one of " + String.join(", ", STATES));
        }
        String ruleName = ctx.queryParam("rule");
        AlarmRule rule = ruleName == null ? null : AlarmRule.fromLabel(ruleName.trim()).orElseThrow(() ->
                ApiError.badRequest("rule", "rule must be one of " + Arrays.stream(AlarmRule.values())
                        .map(AlarmRule::label).collect(Collectors.joining(", "))));
        String deviceId = ctx.queryParam("deviceId");
        if (deviceId != null && !DeviceId.isValid(deviceId)) {
            throw ApiError.badRequest("deviceId", DeviceId.problem("deviceId"));
        }
        Boolean acknowledged = bool("acknowledged", ctx.queryParam("acknowledged"));
        Instant from = Params.instant("from", ctx.queryParam("from"));
        Instant to = Params.instant("to", ctx.queryParam("to"));
        if (from != null && to != null && !from.isBefore(to)) {
            throw ApiError.badRequest("to", "to must be later than from");
        }
        long before = id("before", ctx.queryParam("before"), Long.MAX_VALUE);
        int limit = Params.limit(ctx.queryParam("limit"), DEFAULT_LIMIT, MAX_LIMIT);
        List<Alarm> page = alarms.page(new Alarms.Query(state, rule, deviceId, acknowledged,
                from == null ? Instant.parse("0001-01-01T00:00:00Z") : from,
                to == null ? Instant.parse("9999-12-31T00:00:00Z") : to, before, limit));
        String next = null;
        if (page.size() == limit) {
            StringBuilder path = new StringBuilder("/v1/alarms?state=").append(state);
            if (rule != null) {
                path.append("&rule=").append(rule.label());
            }
            if (deviceId != null) {
                path.append("&deviceId=").append(deviceId);
            }
            if (acknowledged != null) {
                path.append("&acknowledged=").append(acknowledged);
            }
            if (from != null) {
                path.append("&from=").append(from);
            }
            if (to != null) {
                path.append("&to=").append(to);
            }
            next = path.append("&before=").append(page.get(page.size() - 1).id()).append("&limit=").append(limit).toString();
        }
        ctx.json(new Page(page, next));
    }

    void show(Context ctx) {
        long id = id("id", ctx.pathParam("id"), -1);
        ctx.json(alarms.find(id).orElseThrow(() -> notFound(id)));
    }

    /** {@code POST {"by": "who"}}: acknowledges the alarm; again, it changes nothing and answers the same. */
    void acknowledge(Context ctx) {
        long id = id("id", ctx.pathParam("id"), -1);
        JsonNode body = Params.jsonObject(ctx, "{\"by\": \"operator name\"}");
        JsonNode by = body.get("by");
        if (by == null || !by.isTextual() || by.textValue().isBlank()) {
            throw ApiError.badRequest("by", "by is required: who acknowledges the alarm, such as {\"by\": \"operator name\"}");
        }
        if (by.textValue().length() > MAX_ACTOR_LENGTH) {
            throw ApiError.badRequest("by", "by must be at most " + MAX_ACTOR_LENGTH + " characters");
        }
        ctx.json(alarms.acknowledge(id, by.textValue().trim(), clock.instant()).orElseThrow(() -> notFound(id)));
    }

    private static ApiError notFound(long id) {
        return ApiError.notFound("there is no alarm " + id);
    }

    /** A positive whole number; {@code fallback} when absent. */
    private static long id(String field, String value, long fallback) {
        if (value == null || value.isBlank()) {
            if (fallback < 0) {
                throw ApiError.badRequest(field, field + " is required");
            }
            return fallback;
        }
        try {
            long id = Long.parseLong(value.trim());
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest(field, field + " must be an alarm's id, a whole number from 1");
    }

    private static Boolean bool(String field, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return switch (value.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiError.badRequest(field, field + " must be true or false");
        };
    }
}
