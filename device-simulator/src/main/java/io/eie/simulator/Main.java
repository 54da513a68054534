package io.eie.simulator;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import io.eie.units.Durations;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code device-simulator}: plays a fleet of EVs and their smart meters against an MQTT broker. */
@Command(name = "device-simulator", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        version = "device-simulator 0.1.0",
        subcommands = {io.eie.benchmark.BenchCommand.class},
        description = {
                "Plays a fleet of electric vehicles and the smart meters that feed them against an MQTT broker, "
                        + "as JSON over MQTT, the way devices do: each reports every interval, at its own moment.",
                "",
                "Modes: real time (default); accelerated (--speed 60: one simulated minute per second, from 24 h ago "
                        + "until it catches up with the clock); backfill (--backfill 24h: a past window as fast as "
                        + "the broker takes it, then stop)."})
public final class Main implements Callable<Integer> {

    @Option(names = "--broker", defaultValue = "tcp://localhost:1883", description = "the broker: tcp://host:port or ssl://host:port")
    String broker;

    @Option(names = "--username", description = "broker user name")
    String username;

    @Option(names = "--password", description = "broker password")
    String password;

    @Option(names = "--topic-prefix", defaultValue = "", description = "publish under <prefix>/meters/<id> and <prefix>/vehicles/<id>")
    String topicPrefix;

    @Option(names = "--vehicles", defaultValue = "10000", description = "vehicles, each with the meter that feeds it")
    int vehicles;

    @Option(names = "--vehicle-prefix", defaultValue = "V", description = "vehicle ids: <prefix>00001, <prefix>00002, ...")
    String vehiclePrefix;

    @Option(names = "--meter-prefix", defaultValue = "M", description = "meter ids: <prefix>00001, ...")
    String meterPrefix;

    @Option(names = "--faulty-ratio", defaultValue = "0.05", description = "share of faulty chargers (efficiency 0.60-0.80 instead of 0.88-0.94)")
    double faultyRatio;

    @Option(names = "--connections", defaultValue = "0", description = "0: one MQTT connection per device; N: the devices share N connections")
    int connections;

    @Option(names = "--qos", defaultValue = "1", description = "MQTT quality of service: 0 or 1")
    int qos;

    @Option(names = "--max-in-flight", defaultValue = "5000", description = "most publishes not yet acknowledged by the broker")
    int maxInFlight;

    @Option(names = "--connect-parallel", defaultValue = "200", description = "connections opened at once while the fleet connects")
    int connectParallel;

    @Option(names = "--interval", defaultValue = "60s", converter = Durations.Converter.class, description = "how often each device reports")
    Duration interval;

    @Option(names = "--speed", defaultValue = "1", description = "simulated seconds per real second, until the simulated clock catches up with now")
    double speed;

    @Option(names = "--start", description = "where the simulated clock starts: a duration ago (24h) or an ISO instant; default: now, or 24h ago when --speed > 1")
    String start;

    @Option(names = "--backfill", converter = Durations.Converter.class, description = "publish the past window of this length (e.g. 24h) as fast as the broker takes it, then stop")
    Duration backfill;

    @Option(names = "--duration", converter = Durations.Converter.class, description = "stop after this much real time; default: at the end of a backfill, else on Ctrl-C")
    Duration duration;

    @Option(names = "--invalid-ratio", defaultValue = "0", description = "share of reports spoiled on purpose (out of range, wrong types, broken JSON, ...)")
    double invalidRatio;

    @Option(names = "--duplicate-ratio", defaultValue = "0", description = "share of reports sent twice")
    double duplicateRatio;

    @Option(names = "--out-of-order-ratio", defaultValue = "0", description = "share of reports held back and sent after the device's next one")
    double outOfOrderRatio;

    @Option(names = "--future-ratio", defaultValue = "0", description = "share of reports stamped an hour in the future")
    double futureRatio;

    @Option(names = "--register-links", description = "first link each vehicle to its meter through the engine's HTTP API")
    boolean registerLinks;

    @Option(names = "--engine", defaultValue = "http://localhost:3000", description = "the engine's HTTP API, for --register-links")
    URI engine;

    @Option(names = "--api-token", defaultValue = "${env:EIE_API_TOKEN}",
            description = "bearer token for the engine's API, for --register-links (default: $EIE_API_TOKEN)")
    String apiToken;

    @Option(names = "--fleet-out", description = "write the fleet (ids, charger power, true efficiency) to this JSON file")
    Path fleetOut;

    @Option(names = "--progress", defaultValue = "5s", converter = Durations.Converter.class, description = "how often to print progress")
    Duration progressEvery;

    @Option(names = "--seed", defaultValue = "1", description = "the same seed plays the same fleet")
    long seed;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        FleetRun run = prepare();
        System.out.printf(Locale.ROOT, "Fleet: %,d vehicles and %,d meters (%,d faulty chargers), %s, over %,d connection(s) to %s%n",
                run.fleet().size(), run.fleet().size(), run.fleet().faultyChargers(), run.describeTime(),
                run.connections().count(), broker);
        if (fleetOut != null) {
            run.fleet().write(fleetOut);
        }
        if (registerLinks) {
            int refused = LinkRegistrar.register(engine, apiToken, run.fleet(), Instant.ofEpochMilli(run.settings().start()));
            System.out.printf(Locale.ROOT, "Linked %,d vehicles to their meters%s%n", run.fleet().size() - refused,
                    refused == 0 ? "" : String.format(Locale.ROOT, " (%,d refused)", refused));
        }
        run.connections().connect(connectParallel, Duration.ofMinutes(2));
        System.out.printf(Locale.ROOT, "Connected %,d of %,d%n", run.connections().connected(), run.connections().count());

        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                finished.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        Progress progress = new Progress(run.simulation(), run.connections(), System.out);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "progress");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleAtFixedRate(progress::print, progressEvery.toMillis(), progressEvery.toMillis(), TimeUnit.MILLISECONDS);
        long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        try {
            run.simulation().run(() -> stop.get() || System.nanoTime() > deadline);
            run.connections().drain(Duration.ofSeconds(30));
        } finally {
            ticker.shutdownNow();
            progress.print();
            run.connections().close(Duration.ZERO);
            progress.summary();
            finished.countDown();
        }
        return run.connections().failed.sum() == 0 ? 0 : 1;
    }

    /** Everything a run needs, wired from the options. */
    record FleetRun(Fleet fleet, Connections connections, Simulation simulation, Simulation.Settings settings) {

        String describeTime() {
            Instant from = Instant.ofEpochMilli(settings.start());
            if (settings.asFastAsPossible()) {
                return "backfilling " + from + " to " + Instant.ofEpochMilli(settings.end()) + " as fast as the broker takes it";
            }
            return settings.speed() == 1 && Math.abs(settings.start() - System.currentTimeMillis()) < 60_000
                    ? "in real time"
                    : String.format(Locale.ROOT, "from %s at %sx real time", from, settings.speed());
        }
    }

    FleetRun prepare() {
        if (qos != 0 && qos != 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--qos must be 0 or 1");
        }
        long now = System.currentTimeMillis();
        long startAt;
        long end = Long.MAX_VALUE;
        if (backfill != null) {
            startAt = now - backfill.toMillis();
            end = now;
        } else {
            startAt = start != null ? startOf(start, now) : speed > 1 ? now - Duration.ofHours(24).toMillis() : now;
        }
        long intervalMillis = interval.toMillis();
        Fleet fleet = Fleet.create(vehicles, vehiclePrefix, meterPrefix, faultyRatio, startAt - intervalMillis,
                3 * intervalMillis, seed);
        URI brokerUri = URI.create(broker);
        boolean tls = brokerUri.getScheme().equalsIgnoreCase("ssl") || brokerUri.getScheme().equalsIgnoreCase("mqtts");
        int port = brokerUri.getPort() == -1 ? (tls ? 8883 : 1883) : brokerUri.getPort();
        Connections fleetConnections = new Connections(new Connections.Settings(brokerUri.getHost(), port, tls, username, password,
                connections, qos == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE, maxInFlight), fleet,
                HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        String prefix = topicPrefix.isEmpty() || topicPrefix.endsWith("/") ? topicPrefix : topicPrefix + "/";
        Simulation.Settings settings = new Simulation.Settings(intervalMillis, speed, startAt, end, backfill != null,
                invalidRatio, duplicateRatio, outOfOrderRatio, futureRatio, prefix, seed);
        return new FleetRun(fleet, fleetConnections, new Simulation(fleet, fleetConnections, settings), settings);
    }

    private long startOf(String text, long now) {
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException notAnInstant) {
            return now - new Durations.Converter().convert(text).toMillis();
        }
    }
}
