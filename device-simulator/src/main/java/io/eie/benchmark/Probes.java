package io.eie.benchmark;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Publish-to-commit latency, measured from outside: a probe reading published among the load
 * every 100 ms, and PostgreSQL asked every 2 ms which probes have committed.
 */
final class Probes implements AutoCloseable {

    private final Mqtt5BlockingClient client;
    private final Connection database;
    private final String topic;
    private final String vehicleId;
    /** Probe timestamp -> when it was published (nanoTime), until it is seen committed. */
    private final ConcurrentSkipListMap<Instant, Long> pending = new ConcurrentSkipListMap<>();
    private final Latencies latencies = new Latencies();
    private final Thread publisher;
    private final Thread poller;
    private volatile boolean running = true;
    private volatile boolean recording;
    private final java.util.concurrent.atomic.AtomicLong published = new java.util.concurrent.atomic.AtomicLong();

    Probes(String host, int port, String topicPrefix, String runId, Connection database) {
        this.vehicleId = "probe-" + runId;
        this.topic = topicPrefix + "vehicles/" + vehicleId;
        this.database = database;
        this.client = MqttClient.builder().useMqttVersion5().identifier("bench-probe-" + runId)
                .serverHost(host).serverPort(port).buildBlocking();
        client.connect();
        this.publisher = new Thread(this::publish, "probe-publisher");
        this.poller = new Thread(this::poll, "probe-poller");
        publisher.start();
        poller.start();
    }

    /** Starts keeping latencies (probes before this only warm up). */
    void record() {
        recording = true;
    }

    Latencies latencies() {
        return latencies;
    }

    private void publish() {
        Instant last = Instant.EPOCH;
        while (running) {
            Instant ts = Instant.now().truncatedTo(ChronoUnit.MICROS);
            if (!ts.isAfter(last)) {
                ts = last.plus(1, ChronoUnit.MICROS);
            }
            last = ts;
            long sent = System.nanoTime();
            pending.put(ts, recording ? sent : -1L);
            client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("{\"soc\": 50, \"kwhDeliveredDc\": 0, \"batteryTemp\": 25, \"timestamp\": \"" + ts + "\"}")
                            .getBytes(StandardCharsets.UTF_8))
                    .send();
            published.incrementAndGet();
            sleep(100);
        }
    }

    private void poll() {
        try (PreparedStatement select = database.prepareStatement(
                "SELECT ts FROM vehicle_telemetry_history WHERE vehicle_id = ? AND ts >= ? ORDER BY ts")) {
            while (running) {
                if (!pending.isEmpty()) {
                    select.setString(1, vehicleId);
                    select.setTimestamp(2, Timestamp.from(pending.firstKey()));
                    try (ResultSet rows = select.executeQuery()) {
                        long seen = System.nanoTime();
                        while (rows.next()) {
                            Long sent = pending.remove(rows.getTimestamp(1).toInstant());
                            if (sent != null && sent >= 0) {
                                latencies.add(seen - sent);
                            }
                        }
                    }
                }
                sleep(2);
            }
        } catch (SQLException e) {
            if (running) {
                throw new IllegalStateException("probe poll failed: " + e.getMessage(), e);
            }
        }
    }

    /** Probes published so far. */
    long published() {
        return published.get();
    }

    /** Probes published but not yet committed (the oldest first). */
    int outstanding() {
        return pending.size();
    }

    @Override
    public void close() {
        running = false;
        try {
            publisher.join(2000);
            poller.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.disconnect();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
