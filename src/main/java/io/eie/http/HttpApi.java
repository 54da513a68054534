package io.eie.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.eie.alarms.Alarms;
import io.eie.alarms.Notifier;
import io.eie.analytics.Analytics;
import io.eie.export.Export;
import io.eie.analytics.FleetOverview;
import io.eie.analytics.HourlyAnalytics;
import io.eie.storage.EnergyModes;
import io.eie.intake.Intake;
import io.eie.storage.RejectionLog;
import io.eie.storage.VehicleMeterLinks;
import io.eie.telemetry.Problem;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP surface: every route in one place, every error in one shape
 * ({@code {"error", "message", "details"}}), JSON everywhere.
 */
public final class HttpApi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

    private final Javalin app;
    private final HttpSettings settings;
    private final ExecutorService responder;
    private boolean stopped;

    /**
     * What the endpoints read and change, besides the intake.
     *
     * @param ingestRate this instance's intake over the last minute, for the fleet overview
     */
    public record Services(VehicleMeterLinks links, EnergyModes energyModes, Analytics analytics, HourlyAnalytics hourly,
                           RejectionLog rejections, Alarms alarms, Notifier notifier, Export export,
                           Supplier<FleetOverview.IngestRate> ingestRate) {
    }

    /**
     * @param readiness named checks behind {@code /ready}, such as "database" and "mqtt"
     * @param metrics   the engine's meters: the ingest endpoint's join them, and {@code /metrics} shows them
     */
    public HttpApi(HttpSettings settings, Intake intake, BooleanSupplier storageAvailable,
                   Services services,
                   Map<String, BooleanSupplier> readiness, PrometheusMeterRegistry metrics, Clock clock) {
        ObjectMapper json = jsonMapper();
        this.settings = settings;
        this.responder = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "http-responder");
            thread.setDaemon(true);
            return thread;
        });
        var ingest = new IngestEndpoint(settings, intake, storageAvailable, clock, responder, metrics);
        var linkEndpoints = new LinkEndpoints(services.links(), settings, clock);
        var deviceSettings = new DeviceSettingsEndpoints(services.energyModes());
        var reads = new ReadEndpoints(services.analytics(), clock);
        var hourly = new HourlyEndpoints(services.hourly(), services.analytics(), services.ingestRate(), clock);
        var rejections = new RejectionEndpoint(services.rejections());
        var alarms = new AlarmEndpoints(services.alarms(), clock);
        var exports = new ExportEndpoints(services.export(), settings.maxExportWindow());
        var docs = new ApiDocs(json);
        var dashboard = new Dashboard();

        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.jetty.addConnector((server, http) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
                connector.setHost(settings.host());
                connector.setPort(settings.port());
                // an ingest call waits quietly for its commit: the connection must outlive that wait
                connector.setIdleTimeout(settings.ingestTimeout().plusSeconds(30).toMillis());
                return connector;
            });
            QueuedThreadPool threads = new QueuedThreadPool(200, 8);
            threads.setName("http");
            config.jetty.threadPool = threads;
            config.http.maxRequestSize = settings.maxBodyBytes();
            config.http.prefer405over404 = true;
            config.jsonMapper(new JavalinJackson(json, false));

            config.routes.before("/v1/*", settings.tokens()::check);
            config.routes.post("/v1/ingest", ingest::handle);
            config.routes.get("/v1/vehicles/{vehicleId}/meter", linkEndpoints::show);
            config.routes.put("/v1/vehicles/{vehicleId}/meter", linkEndpoints::link);
            config.routes.delete("/v1/vehicles/{vehicleId}/meter", linkEndpoints::unlink);
            config.routes.get("/v1/vehicles/{vehicleId}/settings", deviceSettings::showVehicle);
            config.routes.put("/v1/vehicles/{vehicleId}/settings", deviceSettings::changeVehicle);
            config.routes.get("/v1/meters/{meterId}/settings", deviceSettings::showMeter);
            config.routes.put("/v1/meters/{meterId}/settings", deviceSettings::changeMeter);
            config.routes.get("/v1/vehicles/{vehicleId}", reads::vehicle);
            config.routes.get("/v1/meters/{meterId}", reads::meter);
            config.routes.get("/v1/analytics/performance/{vehicleId}", reads::performance);
            config.routes.get("/v1/analytics/performance/{vehicleId}/series", hourly::series);
            config.routes.get("/v1/analytics/fleet/efficiency", hourly::fleet);
            config.routes.get("/v1/analytics/fleet/overview", hourly::overview);
            config.routes.get("/v1/rejections", rejections::handle);
            config.routes.get("/v1/alarms", alarms::list);
            config.routes.get("/v1/alarms/{id}", alarms::show);
            config.routes.post("/v1/alarms/{id}/acknowledge", alarms::acknowledge);
            config.routes.get("/v1/export/readings", exports::readings);
            config.routes.get("/v1/export/hourly", exports::hourly);
            config.routes.get("/v1/notifications", ctx -> ctx.json(Map.of("targets", services.notifier().pending())));
            config.routes.get("/health", ctx -> ctx.json(Map.of("status", "up")));
            config.routes.get("/ready", ctx -> ready(ctx, readiness));
            config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
            config.routes.get("/openapi.json", docs::document);
            config.routes.get("/docs", docs::page);
            config.routes.get("/", dashboard::page);
            config.staticFiles.add(files -> {
                files.hostedPath = "/docs/assets";
                files.directory = ApiDocs.swaggerUiDirectory();
                files.location = Location.CLASSPATH;
            });
            config.staticFiles.add(files -> {
                files.hostedPath = "/dashboard/vendor/uplot";
                files.directory = Dashboard.chartsDirectory();
                files.location = Location.CLASSPATH;
            });
            config.staticFiles.add(files -> {
                files.hostedPath = "/dashboard";
                files.directory = "/dashboard";
                files.location = Location.CLASSPATH;
            });

            config.routes.exception(ApiError.class, (e, ctx) -> write(ctx, e));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> write(ctx, translate(e, ctx, ingest)));
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("{} {} failed", ctx.method(), ctx.path(), e);
                write(ctx, new ApiError(500, "internal_error", "the engine failed to answer this request; its log has the details"));
            });
        });
    }

    /** JSON as the API speaks it: ISO-8601 instants, exact decimals written plainly, records by their components. */
    static ObjectMapper jsonMapper() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
                .disable(MapperFeature.AUTO_DETECT_IS_GETTERS)
                .build();
    }

    public void start() {
        app.start();
        log.info("HTTP API listening on port {}; /v1 access: {}", app.port(), settings.tokens().describe());
    }

    public int port() {
        return app.port();
    }

    /** Every route the server answers, as {@code "GET /v1/rejections"}. */
    public List<String> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream()
                .map(parsed -> parsed.endpoint)
                .filter(endpoint -> endpoint.method.isHttpMethod())
                .map(endpoint -> endpoint.method.name() + " " + endpoint.path)
                .sorted()
                .toList();
    }

    private static void ready(Context ctx, Map<String, BooleanSupplier> readiness) {
        Map<String, Boolean> checks = new LinkedHashMap<>();
        List<Problem> failing = new ArrayList<>();
        readiness.forEach((name, check) -> {
            boolean ok = check.getAsBoolean();
            checks.put(name, ok);
            if (!ok) {
                failing.add(new Problem(name, name + " is not available"));
            }
        });
        if (!failing.isEmpty()) {
            throw new ApiError(503, "not_ready", "the engine is not ready: "
                    + String.join(", ", failing.stream().map(Problem::field).toList()) + " not available", failing);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "ready");
        body.put("checks", checks);
        ctx.json(body);
    }

    /** Javalin's own answers (no such route, wrong method, body too large) in the API's error shape. */
    private static ApiError translate(HttpResponseException e, Context ctx, IngestEndpoint ingest) {
        return switch (e.getStatus()) {
            case 404 -> ApiError.notFound("there is no endpoint " + ctx.method() + " " + ctx.path());
            case 405 -> {
                Object allowed = e.getDetails().get("availableMethods");
                if (allowed != null) {
                    ctx.header("Allow", allowed.toString().replaceAll("[\\[\\]]", ""));
                }
                yield new ApiError(405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path()
                        + (allowed == null ? "" : "; allowed: " + allowed.toString().replaceAll("[\\[\\]]", "")));
            }
            case 413 -> ingest.tooLarge();
            default -> new ApiError(e.getStatus(), "http_" + e.getStatus(), e.getMessage());
        };
    }

    private static void write(Context ctx, ApiError error) {
        if (error.status() == 503) {
            // a full queue drains in a moment; a failing database takes longer
            ctx.header("Retry-After", error.code().equals("queue_full") ? "1" : "5");
        }
        ctx.status(error.status()).json(error.body());
    }

    static ApiError unavailable(String code, String message) {
        return new ApiError(503, code, message);
    }

    /** Stops the server; safe to call twice. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        app.stop();
        responder.shutdown();
        log.info("HTTP API stopped");
    }
}
