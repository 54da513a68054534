package io.eie.testing;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * A device fleet publishing a known set of vehicle readings at QoS 1, in order, for tests
 * that break things meanwhile and then count rows: reading {@code i} is vehicle {@code V<i %
 * vehicles>} at {@code start + i / vehicles} seconds, so every reading is distinct and exactly
 * {@link #readings()} rows must end up stored.
 *
 * <p>The publisher keeps a persistent session and reconnects by itself, keeps up to 64 publishes
 * unacknowledged, as a busy gateway does, and publishes a reading again until the broker
 * acknowledges it, so a broker restart loses nothing on its side. It never
 * runs more than {@code ahead} readings past what is stored: brokers cap what they queue for an
 * absent consumer (Mosquitto at 1,000 messages by default, dropping the rest), and the tests are
 * about the engine, not about that cap.
 */
public final class ReadingStream implements AutoCloseable {

    private static final int IN_FLIGHT = 64;

    private final Mqtt5AsyncClient client;
    private final String topicPrefix;
    private final int readings;
    private final int vehicles;
    private final int ahead;
    private final LongSupplier stored;
    private final Instant start = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(6, ChronoUnit.HOURS);
    private final AtomicInteger published = new AtomicInteger();
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** Publishes sent and not yet acknowledged by the broker, at most {@link #IN_FLIGHT}. */
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    private final CompletableFuture<Void> done;

    private ReadingStream(String host, int port, String topicPrefix, int readings, int vehicles, int ahead,
                          LongSupplier stored) {
        this.topicPrefix = topicPrefix;
        this.readings = readings;
        this.vehicles = vehicles;
        this.ahead = ahead;
        this.stored = stored;
        this.client = MqttClient.builder()
                .useMqttVersion5()
                .identifier("test-fleet-" + UUID.randomUUID())
                .serverHost(host)
                .serverPort(port)
                .automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(1, TimeUnit.SECONDS).applyAutomaticReconnect()
                .buildAsync();
        client.connectWith().cleanStart(true).sessionExpiryInterval(600).send().join();
        Thread thread = new Thread(this::publishAll, "test-fleet");
        thread.setDaemon(true);
        this.done = new CompletableFuture<>();
        thread.start();
    }

    /**
     * Starts publishing {@code readings} readings of {@code vehicles} vehicles to
     * {@code <topicPrefix>vehicles/<id>}.
     *
     * @param stored how many of them are stored so far (a query the test owns)
     */
    public static ReadingStream start(String host, int port, String topicPrefix, int readings, int vehicles, int ahead,
                                      LongSupplier stored) {
        return new ReadingStream(host, port, topicPrefix, readings, vehicles, ahead, stored);
    }

    private void publishAll() {
        try {
            long known = 0;
            for (int i = 0; i < readings && !stopped.get(); i++) {
                while (i - known > ahead && !stopped.get()) {
                    Thread.sleep(20);
                    known = stored.getAsLong();
                }
                inFlight.acquire();
                publish(i);
            }
            inFlight.acquire(IN_FLIGHT); // every reading acknowledged by the broker
            done.complete(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done.completeExceptionally(e);
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
    }

    /**
     * Publishes reading {@code i} and, should the broker not acknowledge it (it is away: the
     * client reconnects meanwhile), publishes it again until it does.
     */
    private void publish(int i) {
        if (stopped.get()) {
            inFlight.release();
            return;
        }
        client.publishWith().topic(topicPrefix + "vehicles/" + vehicleId(i)).qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload(i).getBytes(StandardCharsets.UTF_8)).send()
                .orTimeout(10, TimeUnit.SECONDS)
                .whenComplete((result, failure) -> {
                    if (failure == null && result.getError().isEmpty()) {
                        published.incrementAndGet();
                        inFlight.release();
                    } else {
                        CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS).execute(() -> publish(i));
                    }
                });
    }

    public String vehicleId(int i) {
        return "V" + (i % vehicles);
    }

    public Instant timestamp(int i) {
        return start.plusSeconds(i / vehicles);
    }

    /** The newest reading's time of every vehicle once all are stored. */
    public Instant lastTimestamp() {
        return timestamp(readings - 1);
    }

    private String payload(int i) {
        return "{\"soc\": " + (i % 100) + ", \"kwhDeliveredDc\": 0.25, \"batteryTemp\": 30, \"timestamp\": \""
                + timestamp(i) + "\"}";
    }

    /** The readings not in the history table, as {@code V3@2026-…Z}: empty when none is lost. */
    public List<String> missingFrom(TestInfrastructure.TestDatabase database) {
        Set<String> stored = new HashSet<>();
        try (Connection connection = database.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT vehicle_id, ts FROM vehicle_telemetry_history")) {
            while (rows.next()) {
                stored.add(rows.getString(1) + "@" + rows.getObject(2, OffsetDateTime.class).toInstant());
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < readings; i++) {
            String key = vehicleId(i) + "@" + timestamp(i);
            if (!stored.contains(key)) {
                missing.add("#" + i + " " + key);
            }
        }
        return missing;
    }

    /**
     * Waits until every reading is stored; fails with {@link #diagnosis} when some are still
     * missing after {@code timeout}.
     */
    public void awaitAllStored(TestInfrastructure.TestDatabase database, Duration timeout, Path... engineLogs)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!missingFrom(database).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not every reading was stored within " + timeout + ": "
                        + diagnosis(database, engineLogs));
            }
            Thread.sleep(200);
        }
    }

    /**
     * What a test needs to tell where missing readings went, for an assertion's description: how
     * many are missing and which, what {@code rejected_telemetry} holds, and the warnings and
     * errors the engines logged.
     */
    public String diagnosis(TestInfrastructure.TestDatabase database, Path... engineLogs) {
        List<String> missing = missingFrom(database);
        StringBuilder report = new StringBuilder();
        report.append(missing.size()).append(" of ").append(readings).append(" readings missing, ")
                .append(published()).append(" published");
        if (!missing.isEmpty()) {
            report.append("; first ").append(missing.subList(0, Math.min(10, missing.size())))
                    .append(", last ").append(missing.get(missing.size() - 1));
        }
        report.append("\nrejected_telemetry: ").append(database.count("SELECT count(*) FROM rejected_telemetry"))
                .append(" rows");
        try (Connection connection = database.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "SELECT reasons::text, count(*) FROM rejected_telemetry GROUP BY 1 ORDER BY 2 DESC LIMIT 5")) {
            while (rows.next()) {
                report.append("\n  ").append(rows.getLong(2)).append(" x ").append(rows.getString(1));
            }
        } catch (SQLException e) {
            report.append(" (").append(e.getMessage()).append(')');
        }
        for (Path log : engineLogs) {
            report.append("\n").append(log).append(", warnings and errors:");
            try (Stream<String> lines = Files.lines(log)) {
                lines.filter(line -> line.contains(" WARN ") || line.contains(" ERROR ")).limit(40)
                        .forEach(line -> report.append("\n  ").append(line));
            } catch (IOException | UncheckedIOException e) {
                report.append(" (unreadable: ").append(e.getMessage()).append(')');
            }
        }
        return report.toString();
    }

    public int readings() {
        return readings;
    }

    /** Readings the broker has acknowledged so far. */
    public int published() {
        return published.get();
    }

    /** Waits until the broker has acknowledged every reading. */
    public void awaitPublished(Duration timeout) throws Exception {
        done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        stopped.set(true);
        client.disconnect();
    }
}
