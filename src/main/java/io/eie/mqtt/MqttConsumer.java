package io.eie.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import io.eie.intake.Intake;
import io.eie.storage.Outcome;
import io.eie.telemetry.Envelope;
import io.eie.telemetry.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes telemetry from the broker: QoS 1 on a persistent session, each message acknowledged only
 * once what it became (a stored reading or a recorded rejection) has committed. Unacknowledged
 * messages are redelivered by the broker after any crash; storage makes redelivery harmless.
 *
 * <p>Messages are handed to the {@link Intake} on one thread of their own, never on the client's
 * network threads. When the
 * writer's queue is full, that thread waits, and the broker stops sending once the engine holds
 * its receive maximum of unacknowledged messages: flow control all the way back to the broker.
 */
public final class MqttConsumer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MqttConsumer.class);
    private static final int MQTT_MAX_RECEIVE_MAXIMUM = 65_535;

    /** A received message and whether the client has been told it is done with. */
    private static final class Delivery {
        private final Mqtt5Publish publish;
        private final AtomicBoolean settled = new AtomicBoolean();

        Delivery(Mqtt5Publish publish) {
            this.publish = publish;
        }

        /** Acknowledges once; later calls do nothing. */
        boolean settle() {
            if (settled.compareAndSet(false, true)) {
                publish.acknowledge();
                return true;
            }
            return false;
        }
    }

    private final MqttSettings settings;
    private final Intake intake;
    private final Clock clock;
    private final Topics topics;
    private final Mqtt5AsyncClient client;
    /** Received messages waiting to be read, in order of receipt. */
    private final LinkedBlockingQueue<Delivery> arrivals = new LinkedBlockingQueue<>();
    /** Every message received and not yet acknowledged to the client, wherever it is. */
    private final Set<Delivery> unsettled = ConcurrentHashMap.newKeySet();
    /** Messages handed to the intake whose write has not finished yet (committed or failed). */
    private final AtomicInteger writing = new AtomicInteger();
    private final Thread intakeThread;
    private volatile boolean stopping;
    private volatile long lastViolationWarning;
    /** What the engine asks the broker for: the configured maximum, unless a broker ignored it. */
    private volatile int receiveMaximum;
    private final Counter received;
    private final Counter reconnects;
    private final AtomicBoolean connectedBefore = new AtomicBoolean();
    private volatile boolean subscribed;
    private final AtomicBoolean closed = new AtomicBoolean();

    public MqttConsumer(MqttSettings settings, Intake intake, Clock clock, MeterRegistry metrics) {
        this.settings = settings;
        this.intake = intake;
        this.clock = clock;
        this.topics = new Topics(settings.topicPrefix());
        this.receiveMaximum = settings.receiveMaximum();
        this.intakeThread = new Thread(this::readIntake, "mqtt-intake");
        this.intakeThread.setDaemon(true);
        this.client = buildClient();
        this.received = Counter.builder("eie.mqtt.received").description("MQTT messages received").register(metrics);
        this.reconnects = Counter.builder("eie.mqtt.reconnects").description("Reconnections to the broker").register(metrics);
        Gauge.builder("eie.mqtt.connected", () -> isConnected() ? 1 : 0)
                .description("1 while connected to the broker and subscribed").register(metrics);
        Gauge.builder("eie.mqtt.unacknowledged", unsettled, Set::size)
                .description("Messages received and not yet acknowledged (at most the receive maximum)")
                .register(metrics);
        Gauge.builder("eie.mqtt.receive.maximum", () -> receiveMaximum)
                .description("Unacknowledged messages the broker may send: EIE_MQTT_RECEIVE_MAXIMUM, or 65535 after "
                        + "a broker ignored it").register(metrics);
    }

    private Mqtt5AsyncClient buildClient() {
        Mqtt5ClientBuilder builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier(settings.clientId())
                .serverHost(settings.host())
                .serverPort(settings.port())
                .automaticReconnect()
                .initialDelay(500, TimeUnit.MILLISECONDS)
                .maxDelay(30, TimeUnit.SECONDS)
                .applyAutomaticReconnect()
                .addConnectedListener(this::onConnected)
                .addDisconnectedListener(this::onDisconnected);
        if (settings.tls()) {
            builder = builder.sslConfig(TrustStore.sslConfig(settings.trustStore(), settings.trustStorePassword()));
        }
        return builder.buildAsync();
    }

    /**
     * Registers for messages, then connects and subscribes in the background: the engine starts
     * even while the broker is away, and the client keeps trying with jittered backoff.
     */
    public void start() {
        // Before connecting: a resumed session delivers what was queued as soon as it connects.
        // Each message is queued on the client's network thread as it arrives (it must not wait
        // there, and nothing else is scheduled per message); the intake thread hands each to the
        // intake.
        takePublishes();
        intakeThread.start();
        Mqtt5ConnectBuilder.Send<CompletableFuture<Mqtt5ConnAck>> connect = client.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(settings.sessionExpiry().toSeconds())
                .restrictions()
                .receiveMaximum(settings.receiveMaximum())
                .maximumPacketSize(settings.maxPacketSize())
                .applyRestrictions();
        if (settings.username() != null) {
            connect = connect.simpleAuth()
                    .username(settings.username())
                    .password(settings.password() == null ? new byte[0] : settings.password().getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        log.info("Connecting to MQTT broker {} as {}", settings.url(), settings.clientId());
        connect.send()
                .thenCompose(connAck -> subscribe())
                .whenComplete((subAck, failure) -> {
                    if (failure != null) {
                        log.error("MQTT connect or subscribe failed: {}", failure.getMessage());
                    } else {
                        subscribed = true;
                        log.info("Subscribed to {} at QoS 1", topics.filters(settings.shareGroup()));
                    }
                });
    }

    /**
     * Takes every message the client receives. The client ends this stream when its session
     * expires while it is disconnected (seen after a close; possible after an outage longer than
     * {@code EIE_MQTT_SESSION_EXPIRY}). It resubscribes on a new session by itself
     * ({@code SessionExpiryIT}), so taking messages again is all it takes not to fall silent.
     */
    private void takePublishes() {
        client.toRx().publishes(MqttGlobalPublishFilter.ALL, true).subscribe(this::receive, failure -> {
            if (stopping) {
                log.debug("MQTT message stream ended: {}", failure.getMessage());
                return;
            }
            log.warn("MQTT session ended ({}): what the broker queued for the engine is gone; "
                    + "taking messages on the new session", failure.getMessage());
            takePublishes();
        });
    }

    private CompletableFuture<Mqtt5SubAck> subscribe() {
        List<String> filters = topics.filters(settings.shareGroup());
        List<Mqtt5Subscription> subscriptions = filters.stream()
                .map(filter -> Mqtt5Subscription.builder().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).build())
                .toList();
        return client.subscribe(Mqtt5Subscribe.builder().addSubscriptions(subscriptions).build()).thenApply(subAck -> {
            for (int i = 0; i < subAck.getReasonCodes().size(); i++) {
                if (subAck.getReasonCodes().get(i).isError()) {
                    throw new IllegalStateException("the broker refused the subscription to " + filters.get(i) + ": "
                            + subAck.getReasonCodes().get(i));
                }
            }
            return subAck;
        });
    }

    private void onConnected(MqttClientConnectedContext context) {
        if (connectedBefore.getAndSet(true)) {
            reconnects.increment();
        }
        log.info("MQTT connected to {}", settings.url());
    }

    /**
     * On a lost connection, messages received on it can no longer be acknowledged: the broker
     * will send them again. Release them from the client now (they are still stored as usual),
     * or it holds back the acknowledgements of their redelivered copies behind them.
     *
     * <p>Not when the engine disconnects on purpose: the engine ends there, and an
     * acknowledgement must never race the DISCONNECT out of the door for a message that was not
     * committed.
     */
    private void onDisconnected(MqttClientDisconnectedContext context) {
        if (stopping) {
            return;
        }
        int released = 0;
        for (Delivery delivery : unsettled) {
            if (delivery.settle()) {
                released++;
            }
            unsettled.remove(delivery);
        }
        String cause = String.valueOf(context.getCause().getMessage());
        boolean violation = cause.contains("receive maximum") || cause.contains("must not be resent");
        if (violation && receiveMaximum < MQTT_MAX_RECEIVE_MAXIMUM) {
            // Such a broker resends all it had in flight on the next connection too, and so past
            // the same limit again: keeping the limit would never get past that. The most MQTT
            // allows keeps the engine going; its memory bound grows accordingly.
            int ignored = receiveMaximum;
            receiveMaximum = MQTT_MAX_RECEIVE_MAXIMUM;
            ((Mqtt5ClientDisconnectedContext) context).getReconnector().connectWith()
                    .restrictions().receiveMaximum(MQTT_MAX_RECEIVE_MAXIMUM).applyRestrictions()
                    .applyConnect();
            log.warn("The broker ignores the engine's receive maximum of {} (Mosquitto before 2.0.13 does when a backlog "
                    + "builds, eclipse-mosquitto/mosquitto#2301): the engine now asks for {}, the most MQTT allows, so as "
                    + "not to stall. Upgrade the broker to keep EIE_MQTT_RECEIVE_MAXIMUM", ignored, MQTT_MAX_RECEIVE_MAXIMUM);
        } else if (violation && System.currentTimeMillis() - lastViolationWarning > 60_000) {
            lastViolationWarning = System.currentTimeMillis();
            log.warn("The broker broke MQTT flow control: it sent more unacknowledged messages than the engine's "
                    + "receive maximum of {}, or reused a message id still in use. Mosquitto before 2.0.13 does this when "
                    + "a backlog builds for the engine (eclipse-mosquitto/mosquitto#2301); upgrade the broker. "
                    + "Nothing is lost: the engine reconnects, and the broker redelivers", receiveMaximum);
        }
        log.warn("MQTT connection to {} lost ({}); {} unacknowledged messages will be redelivered; reconnecting",
                settings.url(), cause, released);
    }

    /** Runs on the client's threads: queue the message for the intake thread, and return. */
    private void receive(Mqtt5Publish publish) {
        received.increment();
        Delivery delivery = new Delivery(publish);
        unsettled.add(delivery);
        arrivals.add(delivery);
    }

    /** The intake thread: takes messages in order of receipt and hands them to the intake. */
    private void readIntake() {
        while (!stopping) {
            Delivery delivery;
            try {
                delivery = arrivals.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (delivery == null) {
                continue;
            }
            if (stopping) {
                return; // not acknowledged: the broker redelivers it to the next session
            }
            if (!submit(delivery)) {
                return;
            }
        }
    }

    /** Hands one message to the intake, waiting while the writer's queue is full; false when the engine stops. */
    private boolean submit(Delivery delivery) {
        Mqtt5Publish publish = delivery.publish;
        Envelope envelope = Envelope.mqtt(publish.getTopic().toString(), publish.getPayloadAsBytes(), clock.instant());
        CompletableFuture<Outcome> done;
        writing.incrementAndGet();
        try {
            done = intake.accept(envelope);
        } catch (InterruptedException e) {
            writing.decrementAndGet();
            Thread.currentThread().interrupt();
            return false;
        } catch (IllegalStateException closing) {
            writing.decrementAndGet();
            return false;
        }
        done.whenComplete((outcome, failure) -> {
            // A failure means the write was never committed (shutdown): leave the message
            // unacknowledged so that the broker delivers it again.
            if (failure == null) {
                delivery.settle();
                unsettled.remove(delivery);
            }
            writing.decrementAndGet(); // after the acknowledgement: close() waits for it
        });
        return true;
    }

    /**
     * Publishes to {@code topic} under the topic prefix at QoS 1 on the engine's own connection;
     * completes once the broker acknowledged it, exceptionally when the broker refused it (an ACL,
     * say). While the broker is away the message waits in the client for the reconnection.
     */
    public CompletableFuture<Void> publish(String topic, byte[] payload) {
        return client.publishWith().topic(settings.topicPrefix() + topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload)
                .send()
                .thenAccept(result -> result.getError().ifPresent(error -> {
                    throw new IllegalStateException("the broker refused the message: " + error.getMessage(), error);
                }));
    }

    /** Messages received and not yet acknowledged. */
    public int unacknowledged() {
        return unsettled.size();
    }

    /** Connected to the broker and subscribed. */
    public boolean isConnected() {
        return subscribed && client.getState().isConnected();
    }

    /**
     * Stops taking messages, waits (up to {@code timeout}) until those already taken are
     * committed and acknowledged, then disconnects, keeping the session so that the broker queues
     * for the engine while it is away. Safe to call twice.
     */
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopping = true;
        try {
            intakeThread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // what the intake thread handed over is committed (and acknowledged) by the writer; what
        // it did not take stays unacknowledged, for the broker to deliver again
        long deadline = System.nanoTime() + timeout.toNanos();
        while (writing.get() > 0 && System.nanoTime() < deadline) {
            sleepBriefly();
        }
        if (writing.get() > 0) {
            log.warn("{} MQTT messages handed to the writer were not committed at shutdown; the broker will redeliver them",
                    writing.get());
        }
        if (!unsettled.isEmpty()) {
            log.info("{} MQTT messages left unacknowledged at shutdown, for the broker to deliver again", unsettled.size());
        }
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("MQTT disconnect: {}", e.getMessage());
        }
        log.info("MQTT consumer stopped");
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
