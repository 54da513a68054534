package io.eie;

import io.eie.alarms.AlarmRules;
import io.eie.alarms.Alarms;
import io.eie.alarms.Notifier;
import io.eie.analytics.Analytics;
import io.eie.analytics.HourlyAnalytics;
import io.eie.config.Config;
import io.eie.embedded.EmbeddedBroker;
import io.eie.export.Export;
import io.eie.embedded.EmbeddedDatabase;
import io.eie.http.HttpApi;
import io.eie.intake.Intake;
import io.eie.mqtt.MqttConsumer;
import io.eie.mqtt.MqttSettings;
import io.eie.storage.BatchWriter;
import io.eie.storage.Compactor;
import io.eie.storage.Database;
import io.eie.storage.DatabaseSettings;
import io.eie.storage.EnergyModes;
import io.eie.storage.IsolatingSink;
import io.eie.storage.Partitions;
import io.eie.storage.RejectionLog;
import io.eie.storage.Retention;
import io.eie.storage.RetryingSink;
import io.eie.storage.TelemetryRepository;
import io.eie.storage.VehicleMeterLinks;
import io.eie.storage.WriterMetrics;
import io.eie.telemetry.Topics;
import io.eie.telemetry.ReadingParser;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: starts every part in order, wired by hand, and stops them in reverse so
 * that nothing taken in is lost: HTTP first, then MQTT intake (what it took is committed and
 * acknowledged), then the writer (it commits what is queued), then the database.
 */
public final class App implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(App.class);

    private final Config config;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private EmbeddedDatabase embeddedDatabase;
    private EmbeddedBroker embeddedBroker;
    private Database database;
    private BatchWriter writer;
    private ScheduledExecutorService maintenance;
    private ScheduledExecutorService packing;
    private Compactor compactor;
    private ScheduledExecutorService alarms;
    private AlarmRules alarmRules;
    private ScheduledExecutorService notifications;
    private Notifier notifier;
    private MqttConsumer mqtt;
    private HttpApi http;
    private String databaseUrl;
    private String mqttUrl;
    private boolean closed;

    private App(Config config) {
        this.config = config;
    }

    /** Starts the engine; on failure, stops whatever had started and rethrows. */
    public static App start(Config config, Clock clock) throws IOException {
        App app = new App(config);
        try {
            app.startParts(clock);
            return app;
        } catch (IOException | RuntimeException e) {
            app.close();
            throw e;
        }
    }

    private void startParts(Clock clock) throws IOException {
        if (config.embedsBroker()) {
            EmbeddedBroker.requireFreePort(config.embedded().mqttHost(), config.embedded().mqttPort());
        }
        DatabaseSettings databaseSettings = config.database();
        if (config.embedsDatabase()) {
            embeddedDatabase = EmbeddedDatabase.start(config.embedded().dataDir(), config.embedded().databasePort());
            databaseSettings = databaseSettings.withServer(embeddedDatabase.jdbcUrl(), embeddedDatabase.username(), null);
        }
        databaseUrl = databaseSettings.jdbcUrl();
        bindJvmMetrics();
        database = Database.connect(databaseSettings, metrics);

        EnergyModes energyModes = new EnergyModes(database.jdbi(), config.storage().energyDefaults());
        energyModes.reconcileDefaults();
        Partitions partitions = new Partitions(database.jdbi());
        Retention retention = new Retention(database.jdbi(), partitions, config.storage());
        retention.run(clock.instant());
        maintenance = daemonThread("maintenance");
        maintenance.scheduleWithFixedDelay(() -> {
            try {
                retention.run(clock.instant());
            } catch (RuntimeException e) {
                log.warn("Partition maintenance failed; it runs again within the hour: {}", e.getMessage());
            }
        }, 1, 1, TimeUnit.HOURS);
        WriterMetrics writerMetrics = new WriterMetrics(metrics);
        RetryingSink retrying = new RetryingSink(new TelemetryRepository(database.jdbi(), partitions, config.storage(), clock),
                config.batch().retryMaxDelay());
        writer = new BatchWriter(config.batch(), new IsolatingSink(retrying), writerMetrics);
        // Packing works on a thread of its own: a day takes minutes, and the maintenance thread's
        // other tasks (summary lines, rates) keep their beat.
        compactor = new Compactor(database.jdbi(), partitions, config.storage().packing(),
                writer::busy, metrics);
        long packingEvery = config.storage().packing().every().toSeconds();
        packing = daemonThread("packing");
        packing.scheduleWithFixedDelay(() -> {
            try {
                compactor.packClosedDays(clock.instant());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.warn("Packing closed days failed; it goes on at the next run: {}", e.getMessage());
            }
        }, packingEvery, packingEvery, TimeUnit.SECONDS);
        energyModes.refresh();
        maintenance.scheduleWithFixedDelay(() -> {
            try {
                energyModes.refresh();
            } catch (RuntimeException e) {
                log.debug("Reading the devices' energy modes failed; trying again shortly: {}", e.getMessage());
            }
        }, 10, 10, TimeUnit.SECONDS);
        ReadingParser parser = new ReadingParser(config.validation(), clock, energyModes::reportsRegister);

        MqttSettings mqttSettings = config.mqtt();
        if (config.embedsBroker()) {
            embeddedBroker = EmbeddedBroker.start(config.embedded().dataDir(), config.embedded().mqttHost(),
                    config.embedded().mqttPort(), config.embedded().mqttMaxQueuedMessages(), mqttSettings.sessionExpiry(),
                    mqttSettings.maxPacketSize());
            String host = embeddedBroker.host().equals("0.0.0.0") ? "127.0.0.1" : embeddedBroker.host();
            mqttSettings = mqttSettings.withServer(host, embeddedBroker.port());
        }
        mqttUrl = mqttSettings.url();
        Intake intake = new Intake(parser, new Topics(mqttSettings.topicPrefix()), writer);
        mqtt = new MqttConsumer(mqttSettings, intake, clock, metrics);
        mqtt.start();
        if (!config.logSummaryInterval().isZero()) {
            long every = config.logSummaryInterval().toMillis();
            SummaryLog summary = new SummaryLog(writerMetrics, writer::queued, mqtt::unacknowledged);
            maintenance.scheduleAtFixedRate(() -> {
                try {
                    summary.run();
                } catch (RuntimeException e) {
                    log.warn("The summary line failed: {}", e.getMessage());
                }
            }, every, every, TimeUnit.MILLISECONDS);
        }

        alarmRules = new AlarmRules(database.jdbi(), config.alarms(), config.analytics(),
                () -> mqtt.isConnected() && !writer.busy(), clock.instant(),
                metrics);
        long evaluateEvery = config.alarms().evaluateEvery().toMillis();
        alarms = daemonThread("alarms");
        alarms.scheduleWithFixedDelay(() -> {
            try {
                alarmRules.evaluate(clock.instant());
            } catch (RuntimeException e) {
                log.warn("Evaluating the alarm rules failed; they are evaluated again at the next turn: {}", e.getMessage());
            }
        }, evaluateEvery, evaluateEvery, TimeUnit.MILLISECONDS);

        // alarm events out: to each webhook and to the broker, on a thread of their own
        notifier = new Notifier(database.jdbi(), config.alarms().notifications(), mqtt::publish, clock, metrics);
        notifications = daemonThread("notifications");
        AtomicBoolean notifierFailing = new AtomicBoolean();
        notifications.scheduleWithFixedDelay(() -> {
            try {
                notifier.deliverDue();
                if (notifierFailing.compareAndSet(true, false)) {
                    log.info("Delivering alarm events works again");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // once per outage, not every second: /ready tells of a database that is away
                if (notifierFailing.compareAndSet(false, true)) {
                    log.warn("Delivering alarm events failed; trying again every second: {}", e.getMessage());
                }
            }
        }, 1, 1, TimeUnit.SECONDS);

        Map<String, BooleanSupplier> readiness = new LinkedHashMap<>();
        readiness.put("database", database::isReachable);
        readiness.put("writer", retrying::storageAvailable);
        readiness.put("mqtt", mqtt::isConnected);
        IngestRates ingestRates = new IngestRates(writerMetrics);
        maintenance.scheduleAtFixedRate(ingestRates::sample, 5, 5, TimeUnit.SECONDS);
        var services = new HttpApi.Services(new VehicleMeterLinks(database.jdbi()), energyModes,
                new Analytics(database.jdbi(), config.analytics(), energyModes),
                new HourlyAnalytics(database.jdbi(), config.analytics()), new RejectionLog(database.jdbi()),
                new Alarms(database.jdbi(), config.alarms().notifications().targets(), metrics), notifier,
                new Export(database.jdbi()), ingestRates::current);
        http = new HttpApi(config.http(), intake, retrying::storageAvailable, services, readiness, metrics, clock);
        http.start();
    }

    private void bindJvmMetrics() {
        new ClassLoaderMetrics().bindTo(metrics);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmGcMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);
    }

    public int httpPort() {
        return http.port();
    }

    /** Every route the HTTP API answers, as {@code "GET /v1/rejections"}. */
    public List<String> httpRoutes() {
        return http.routes();
    }

    /** The broker the engine consumes from, as {@code tcp://host:port}. */
    public String mqttUrl() {
        return mqttUrl;
    }

    /** What packs closed days of history (in the background, and on demand). */
    public Compactor compactor() {
        return compactor;
    }

    /** What evaluates the alarm rules (in the background, and on demand). */
    public AlarmRules alarmRules() {
        return alarmRules;
    }

    public String databaseUrl() {
        return databaseUrl;
    }

    /** A scheduler with one daemon thread of this name. */
    private static ScheduledExecutorService daemonThread(String name) {
        return Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** What is left of the shutdown timeout, and never less than a second for a last commit. */
    private static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(deadlineNanos - System.nanoTime(), Duration.ofSeconds(1).toNanos()));
    }

    /** Stops everything in reverse order of start; safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("Stopping");
        long deadline = System.nanoTime() + config.batch().shutdownTimeout().toNanos();
        if (http != null) {
            http.close();
        }
        if (mqtt != null) {
            mqtt.close(remaining(deadline));
        }
        if (maintenance != null) {
            maintenance.shutdownNow();
        }
        if (packing != null) {
            packing.shutdownNow();
        }
        if (alarms != null) {
            alarms.shutdownNow();
        }
        if (notifications != null) {
            notifications.shutdownNow();
        }
        if (writer != null) {
            writer.close(remaining(deadline));
        }
        if (database != null) {
            database.close();
        }
        if (embeddedBroker != null) {
            embeddedBroker.close();
        }
        if (embeddedDatabase != null) {
            embeddedDatabase.close();
        }
        log.info("Stopped");
    }
}
