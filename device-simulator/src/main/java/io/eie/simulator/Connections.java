package io.eie.simulator;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The fleet's MQTT connections: one per device, as real fleets look to a broker, or a few shared
 * by all devices for raw throughput. Each reconnects on its own, with jittered backoff.
 */
public final class Connections implements Simulation.Publisher, AutoCloseable {

    /**
     * @param connections 0 for one connection per device
     * @param maxInFlight the most publishes not yet acknowledged (QoS 1) or written (QoS 0)
     */
    public record Settings(String host, int port, boolean tls, String username, String password, int connections,
                    MqttQos qos, int maxInFlight) {
    }

    public final LongAdder published = new LongAdder();
    public final LongAdder acknowledged = new LongAdder();
    public final LongAdder failed = new LongAdder();

    private final Settings settings;
    private final Mqtt5AsyncClient[] clients;
    private final Semaphore inFlight;
    private final AtomicInteger connected = new AtomicInteger();
    private volatile String lastError;

    public Connections(Settings settings, Fleet fleet, String runId) {
        this.settings = settings;
        this.inFlight = new Semaphore(settings.maxInFlight());
        int count = settings.connections() == 0 ? fleet.devices() : settings.connections();
        this.clients = new Mqtt5AsyncClient[count];
        for (int i = 0; i < count; i++) {
            String id = settings.connections() == 0 ? "sim-" + fleet.deviceId(i) : "sim-" + runId + "-" + i;
            clients[i] = build(id);
        }
    }

    private Mqtt5AsyncClient build(String clientId) {
        Mqtt5ClientBuilder builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost(settings.host())
                .serverPort(settings.port())
                .automaticReconnect()
                .initialDelay(500, TimeUnit.MILLISECONDS)
                .maxDelay(30, TimeUnit.SECONDS)
                .applyAutomaticReconnect()
                .addConnectedListener(context -> connected.incrementAndGet())
                .addDisconnectedListener(context -> {
                    if (context.getClientConfig().getState().isConnected()) {
                        connected.decrementAndGet();
                    }
                    lastError = context.getCause().getMessage();
                });
        if (settings.tls()) {
            builder = builder.sslWithDefaultConfig();
        }
        if (settings.username() != null) {
            builder = builder.simpleAuth()
                    .username(settings.username())
                    .password(settings.password() == null ? new byte[0] : settings.password().getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        return builder.buildAsync();
    }

    /**
     * Connects every client, at most {@code parallel} at a time, waiting up to {@code timeout}
     * in all; clients that could not connect yet keep trying in the background.
     */
    public void connect(int parallel, Duration timeout) throws InterruptedException {
        Semaphore connecting = new Semaphore(parallel);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Mqtt5AsyncClient client : clients) {
            // past the deadline the rest start at once, and retry on their own with backoff
            connecting.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            client.connectWith().cleanStart(true).send().whenComplete((ack, failure) -> connecting.release());
        }
        connecting.tryAcquire(parallel, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Publishes a device's report, waiting while too many are in flight. */
    public void publish(int device, MqttTopic topic, String payload) throws InterruptedException {
        inFlight.acquire();
        published.increment();
        clients[device % clients.length].publishWith()
                .topic(topic)
                .qos(settings.qos())
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .send()
                .whenComplete((result, failure) -> {
                    inFlight.release();
                    if (failure == null) {
                        acknowledged.increment();
                    } else {
                        failed.increment();
                        lastError = failure.getMessage();
                    }
                });
    }

    public int connected() {
        return connected.get();
    }

    public int count() {
        return clients.length;
    }

    long inFlight() {
        return settings.maxInFlight() - inFlight.availablePermits();
    }

    String lastError() {
        return lastError;
    }

    /** Waits (up to {@code timeout}) until nothing is in flight. */
    public void drain(Duration timeout) {
        try {
            if (inFlight.tryAcquire(settings.maxInFlight(), timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                inFlight.release(settings.maxInFlight());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits (up to {@code drain}) for what is in flight, then disconnects every client. */
    public void close(Duration drain) {
        drain(drain);
        List<CompletableFuture<Void>> disconnects = new ArrayList<>(clients.length);
        for (Mqtt5AsyncClient client : clients) {
            if (client.getState().isConnectedOrReconnect()) {
                disconnects.add(client.disconnect().exceptionally(failure -> null));
            }
        }
        try {
            CompletableFuture.allOf(disconnects.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // leaving is best effort: the broker notices closed connections on its own
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
