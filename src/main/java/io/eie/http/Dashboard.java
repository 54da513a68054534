package io.eie.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The dashboard at {@code /}: a page, its script and style ({@code /dashboard/...}) and uPlot
 * for the charts ({@code /dashboard/vendor/uplot/dist/...}, from its webjar), all from the jar. It reads
 * the {@code /v1} API like any other client.
 */
final class Dashboard {

    private final String page;

    Dashboard() {
        try (InputStream in = ApiDocs.resource("dashboard/index.html")) {
            this.page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("the dashboard in the jar cannot be read", e);
        }
    }

    void page(Context ctx) {
        ctx.html(page);
    }

    static String chartsDirectory() {
        return ApiDocs.webjarDirectory("uplot");
    }
}
