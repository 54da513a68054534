package io.eie.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.eie.telemetry.DeviceId;
import io.eie.telemetry.JsonText;
import io.eie.telemetry.Problem;
import io.eie.telemetry.StrictJson;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Reading and checking what a request names in its path, query and body. */
final class Params {

    private Params() {
    }

    /** A device id from the path, checked against the same rule as ids in payloads. */
    static String deviceId(Context ctx, String name) {
        return DeviceId.of(ctx.pathParam(name))
                .orElseThrow(() -> ApiError.badRequest(name, DeviceId.problem(name)))
                .value();
    }

    /** A page size from {@code limit}: {@code fallback} when absent, else a whole number from 1 to {@code max}. */
    static int limit(String value, int fallback, int max) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int limit = Integer.parseInt(value.trim());
            if (limit >= 1 && limit <= max) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest("limit", "limit must be a whole number from 1 to " + max);
    }

    /** The request's body, which must be a JSON object (such as {@code example}). */
    static JsonNode jsonObject(Context ctx, String example) {
        JsonText text = StrictJson.read(ctx.bodyAsBytes());
        if (text instanceof JsonText.Malformed malformed) {
            throw new ApiError(400, "invalid_json", malformed.reason(), List.of(Problem.ofPayload(malformed.reason())));
        }
        JsonNode root = ((JsonText.Tree) text).root();
        if (!root.isObject()) {
            throw new ApiError(400, "invalid_request", "the body must be a JSON object such as " + example);
        }
        return root;
    }

    /** An optional ISO-8601 instant with a zone offset; {@code null} when absent. */
    static Instant instant(String field, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        OffsetDateTime parsed;
        try {
            parsed = OffsetDateTime.parse(value.trim(), DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest(field, field + " must be an ISO-8601 date-time with a zone offset, such as "
                    + "2026-02-10T10:00:00Z (in a URL, write + as %2B)");
        }
        if (parsed.getYear() < 1 || parsed.getYear() > 9999) {
            throw ApiError.badRequest(field, field + " must lie between the years 1 and 9999");
        }
        return parsed.toInstant().truncatedTo(ChronoUnit.MICROS);
    }
}
