package io.eie.http;

import io.eie.export.Export;
import io.eie.telemetry.DeviceId;
import io.eie.telemetry.DeviceKind;
import io.eie.units.Durations;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/export/readings} and {@code GET /v1/export/hourly}, each with
 * {@code ?kind=&from=&to=&device=&format=csv}: every reading of a window as stored, or its hourly
 * rollups, streamed. Everything is checked before the first byte, so that a bad request gets the
 * usual JSON error; after it, a failure can only end the stream.
 */
final class ExportEndpoints {

    private static final Logger log = LoggerFactory.getLogger(ExportEndpoints.class);

    private final Export export;
    private final Duration maxWindow;

    ExportEndpoints(Export export, Duration maxWindow) {
        this.export = export;
        this.maxWindow = maxWindow;
    }

    void readings(Context ctx) {
        Request request = request(ctx);
        stream(ctx, request, "readings", out -> export.readingsCsv(request.kind(), request.from(), request.to(),
                request.device(), out));
    }

    void hourly(Context ctx) {
        Request request = request(ctx);
        stream(ctx, request, "hourly", out -> export.hourlyCsv(request.kind(), request.from(), request.to(),
                request.device(), out));
    }

    /** What every export asks for, checked. */
    private record Request(DeviceKind kind, Instant from, Instant to, String device) {
    }

    private interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private Request request(Context ctx) {
        String kindName = ctx.queryParam("kind");
        DeviceKind kind = "meter".equals(kindName) ? DeviceKind.METER : "vehicle".equals(kindName) ? DeviceKind.VEHICLE : null;
        if (kind == null) {
            throw ApiError.badRequest("kind", "kind is required: meter or vehicle");
        }
        String format = ctx.queryParam("format");
        if (format != null && !format.equals("csv")) {
            throw ApiError.badRequest("format", "format must be csv");
        }
        Instant from = Params.instant("from", ctx.queryParam("from"));
        Instant to = Params.instant("to", ctx.queryParam("to"));
        if (from == null) {
            throw ApiError.badRequest("from", "from is required: the window's start, such as 2026-12-01T00:00:00Z");
        }
        if (to == null) {
            throw ApiError.badRequest("to", "to is required: the window's end, such as 2026-12-02T00:00:00Z");
        }
        if (!from.isBefore(to)) {
            throw ApiError.badRequest("to", "to must be later than from");
        }
        if (Duration.between(from, to).compareTo(maxWindow) > 0) {
            throw ApiError.badRequest("to", "the window may be at most " + Durations.format(maxWindow)
                    + " (EIE_EXPORT_MAX_WINDOW); export longer spans a window at a time");
        }
        String device = ctx.queryParam("device");
        if (device != null && !DeviceId.isValid(device)) {
            throw ApiError.badRequest("device", DeviceId.problem("device"));
        }
        return new Request(kind, from, to, device);
    }

    private static void stream(Context ctx, Request request, String what, Writer writer) {
        String kind = request.kind() == DeviceKind.METER ? "meter" : "vehicle";
        ctx.contentType("text/csv; charset=utf-8");
        ctx.header("Content-Disposition", "attachment; filename=\"" + kind + "-" + what + "-" + request.from() + "-"
                + request.to() + ".csv\"");
        try {
            OutputStream out = ctx.res().getOutputStream();
            writer.write(out);
            out.flush();
        } catch (IOException e) {
            log.info("An export of {} {} ended early, the client gone: {}", kind, what, e.getMessage());
        }
    }
}
