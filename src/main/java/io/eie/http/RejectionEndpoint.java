package io.eie.http;

import io.eie.storage.RejectionLog;
import io.eie.storage.RejectionLog.Entry;
import io.eie.telemetry.DeviceId;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /v1/rejections?since=&limit=&deviceId=}: what was refused and why, oldest first. A
 * full page links to the next in {@code next}; following it never skips nor repeats an entry,
 * even among rejections received in the same instant.
 */
final class RejectionEndpoint {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1_000;

    /** A page of rejections, and the path of the next one when this one is full. */
    record Page(List<Entry> rejections, String next) {
    }

    private final RejectionLog log;

    RejectionEndpoint(RejectionLog log) {
        this.log = log;
    }

    void handle(Context ctx) {
        Instant since = Params.instant("since", ctx.queryParam("since"));
        long afterId = cursor(ctx.queryParam("after"), since);
        int limit = Params.limit(ctx.queryParam("limit"), DEFAULT_LIMIT, MAX_LIMIT);
        String deviceId = ctx.queryParam("deviceId");
        if (deviceId != null && !DeviceId.isValid(deviceId)) {
            throw ApiError.badRequest("deviceId", DeviceId.problem("deviceId"));
        }
        List<Entry> page = log.page(since == null ? Instant.EPOCH : since, afterId, deviceId, limit);
        String next = null;
        if (page.size() == limit) {
            Entry last = page.get(page.size() - 1);
            next = "/v1/rejections?since=" + URLEncoder.encode(last.receivedAt().toString(), StandardCharsets.UTF_8)
                    + "&after=" + last.id() + "&limit=" + limit
                    + (deviceId == null ? "" : "&deviceId=" + deviceId);
        }
        ctx.json(new Page(page, next));
    }

    private static long cursor(String value, Instant since) {
        if (value == null || value.isBlank()) {
            return 0; // ids start at 1: everything received at or after since
        }
        if (since == null) {
            throw ApiError.badRequest("after", "after continues from a page's last entry and needs that entry's "
                    + "receivedAt as since; follow the page's next link");
        }
        try {
            long id = Long.parseLong(value.trim());
            if (id < 0) {
                throw new NumberFormatException();
            }
            return id;
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("after", "after must be the id of a rejection, a whole number");
        }
    }
}
