package io.eie.alarms;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers alarm events to their targets at least once: each webhook (a signed JSON POST) and
 * the broker ({@code alarms/<deviceId>}, QoS 1). The deliveries are rows made with the events
 * (the outbox): this claims those that are due, sends them side by side, and marks each delivered
 * or due again after a backoff that doubles from a second up to the settings' maximum. Several
 * instances share the work; an instance that dies mid-attempt leaves its claims to be retried
 * once their lease ends.
 */
public final class Notifier {

    /** How the broker is reached: publish at QoS 1 under the topic prefix, completing on its acknowledgement. */
    public interface Publisher {
        CompletableFuture<Void> publish(String topic, byte[] payload);
    }

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);
    private static final ClasspathSqlLocator SQL = ClasspathSqlLocator.create();
    private static final String CLAIM = SQL.locate(Notifier.class, "claim");
    private static final String DELIVERED = SQL.locate(Notifier.class, "delivered");
    private static final String FAILED = SQL.locate(Notifier.class, "failed");
    private static final String PENDING = SQL.locate(Notifier.class, "pending");
    private static final int BATCH = 100;
    private static final int MAX_ERROR_LENGTH = 500;
    private static final Duration PENDING_EVERY = Duration.ofSeconds(10);

    /** What waits for one target. */
    public record Pending(String target, long pending, long failing, Instant oldest, String lastError) {
    }

    private record Claimed(String target, int attempts, Notification notification) {
    }

    private final Jdbi jdbi;
    private final NotificationSettings settings;
    private final Publisher broker;
    private final Clock clock;
    private final HttpClient http;
    private final ObjectMapper json;
    private final MeterRegistry metrics;
    private final Map<String, AtomicLong> pending = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> failing = new ConcurrentHashMap<>();
    private long pendingReadAt = System.nanoTime() - PENDING_EVERY.toNanos();

    public Notifier(Jdbi jdbi, NotificationSettings settings, Publisher broker, Clock clock, MeterRegistry metrics) {
        this.jdbi = jdbi;
        this.settings = settings;
        this.broker = broker;
        this.clock = clock;
        this.metrics = metrics;
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.json = JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
                .build();
        for (String channel : List.of("mqtt", "webhook")) {
            pending.put(channel, gauge("eie_alarm_notifications_pending", "Alarm events not yet delivered, by channel",
                    channel));
            failing.put(channel, gauge("eie_alarm_notifications_failing",
                    "Alarm events whose last delivery attempt failed, by channel", channel));
        }
    }

    private AtomicLong gauge(String name, String description, String channel) {
        AtomicLong value = new AtomicLong();
        Gauge.builder(name, value, AtomicLong::get).description(description).tag("channel", channel).register(metrics);
        return value;
    }

    /** Sends everything due now, a batch at a time; returns how many were delivered. */
    public int deliverDue() throws InterruptedException {
        int delivered = 0;
        int attempted = 0;
        while (!Thread.currentThread().isInterrupted()) {
            Instant now = clock.instant();
            List<Claimed> claimed = jdbi.withHandle(handle -> handle.createQuery(CLAIM)
                    .bind("now", now).bind("leaseUntil", now.plus(settings.timeout()).plusSeconds(30))
                    .bind("limit", BATCH)
                    .map((rs, ctx) -> claimed(rs))
                    .list());
            List<CompletableFuture<Void>> attempts = new ArrayList<>();
            for (Claimed delivery : claimed) {
                attempts.add(send(delivery));
            }
            for (int i = 0; i < claimed.size(); i++) {
                if (record(claimed.get(i), attempts.get(i))) {
                    delivered++;
                }
            }
            attempted += claimed.size();
            if (claimed.size() < BATCH) {
                break;
            }
        }
        // the gauges: after attempts, and every so often for what other instances did
        if (attempted > 0 || System.nanoTime() - pendingReadAt > PENDING_EVERY.toNanos()) {
            refreshPending();
            pendingReadAt = System.nanoTime();
        }
        return delivered;
    }

    /** What waits to be delivered, by target. */
    public List<Pending> pending() {
        return jdbi.withHandle(handle -> handle.createQuery(PENDING)
                .map((rs, ctx) -> new Pending(NotificationSettings.shown(rs.getString("target")), rs.getLong("pending"), rs.getLong("failing"),
                        instant(rs, "oldest"), rs.getString("last_error")))
                .list());
    }

    private void refreshPending() {
        Map<String, Long> waiting = new HashMap<>(Map.of("mqtt", 0L, "webhook", 0L));
        Map<String, Long> failed = new HashMap<>(waiting);
        for (Pending target : pending()) {
            String channel = channel(target.target());
            waiting.merge(channel, target.pending(), Long::sum);
            failed.merge(channel, target.failing(), Long::sum);
        }
        waiting.forEach((channel, count) -> pending.get(channel).set(count));
        failed.forEach((channel, count) -> failing.get(channel).set(count));
    }

    /** {@code mqtt} or {@code webhook}: the channel of a delivery's target, as the metrics name it. */
    private static String channel(String target) {
        return target.equals(NotificationSettings.MQTT) ? "mqtt" : "webhook";
    }

    private CompletableFuture<Void> send(Claimed delivery) {
        try {
            byte[] body = json.writeValueAsBytes(delivery.notification());
            if (delivery.target().equals(NotificationSettings.MQTT)) {
                return broker.publish("alarms/" + delivery.notification().alarm().deviceId(), body);
            }
            HttpRequest request = HttpRequest.newBuilder(URI.create(delivery.target()))
                    .timeout(settings.timeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "energy-ingestion-engine")
                    .header("X-EIE-Event", delivery.notification().type())
                    .header("X-EIE-Event-Id", String.valueOf(delivery.notification().id()))
                    .header("X-EIE-Signature", "sha256=" + signature(body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenAccept(response -> {
                if (response.statusCode() / 100 != 2) {
                    throw new IllegalStateException("answered HTTP " + response.statusCode());
                }
            });
        } catch (JsonProcessingException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Waits for one attempt and records its outcome; whether it was delivered. */
    private boolean record(Claimed delivery, CompletableFuture<Void> attempt) throws InterruptedException {
        String error = null;
        try {
            attempt.get(settings.timeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            error = describe(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            error = "no answer within " + settings.timeout().toSeconds() + " s";
        }
        String channel = channel(delivery.target());
        Instant now = clock.instant();
        long eventId = delivery.notification().id();
        if (error == null) {
            jdbi.useHandle(handle -> handle.createUpdate(DELIVERED).bind("now", now).bind("eventId", eventId)
                    .bind("target", delivery.target()).execute());
        } else {
            Duration backoff = backoff(delivery.attempts());
            String reason = error.length() > MAX_ERROR_LENGTH ? error.substring(0, MAX_ERROR_LENGTH) : error;
            jdbi.useHandle(handle -> handle.createUpdate(FAILED).bind("error", reason)
                    .bind("nextAttemptAt", now.plus(backoff)).bind("eventId", eventId)
                    .bind("target", delivery.target()).execute());
            log.warn("Alarm event {} not delivered to {} (attempt {}): {}; next attempt in {} s", eventId,
                    NotificationSettings.shown(delivery.target()), delivery.attempts(), reason, backoff.toSeconds());
        }
        Counter.builder("eie_alarm_notifications").description("Attempts to deliver alarm events, by channel and outcome")
                .tag("channel", channel).tag("outcome", error == null ? "delivered" : "failed")
                .register(metrics).increment();
        return error == null;
    }

    private Duration backoff(int attempts) {
        long seconds = 1L << Math.min(attempts - 1, 20);
        return seconds >= settings.maxBackoff().toSeconds() ? settings.maxBackoff() : Duration.ofSeconds(seconds);
    }

    private String signature(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(settings.secret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every Java runtime has HMAC-SHA256", e);
        }
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private static Claimed claimed(ResultSet rs) throws SQLException {
        String rule = rs.getString("rule");
        Notification.Subject alarm = new Notification.Subject(rs.getLong("alarm_id"), rule, rs.getString("device_kind"),
                rs.getString("device_id"), AlarmRule.fromLabel(rule).map(AlarmRule::unit).orElse(null),
                instant(rs, "raised_at"), plain(rs.getBigDecimal("raised_value")));
        return new Claimed(rs.getString("target"), rs.getInt("attempts"), new Notification(rs.getLong("event_id"),
                rs.getString("type"), instant(rs, "at"), plain(rs.getBigDecimal("value")), rs.getString("actor"), alarm));
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    static BigDecimal plain(BigDecimal value) {
        if (value == null) {
            return null;
        }
        return value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
    }
}
