package io.eie.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.eie.App;
import io.eie.config.Config;
import io.eie.process.EngineProcess;
import io.eie.testing.TestInfrastructure.TestDatabase;
import org.awaitility.Awaitility;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The engine running in the test's JVM against the test infrastructure, with its own database,
 * topic prefix and client id, plus what a test needs to talk to it: HTTP, an MQTT publisher and SQL.
 */
public final class TestEngine implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** An HTTP answer: the status, the headers and the body read as JSON. */
    public record Response(int status, HttpResponse<String> raw) {

        public JsonNode json() {
            try {
                return JSON.readTree(raw.body());
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + raw.body(), e);
            }
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    private final TestDatabase database;
    private final String topicPrefix;
    private final App app;
    private Mqtt5BlockingClient publisher;

    private TestEngine(TestDatabase database, String topicPrefix, App app) {
        this.database = database;
        this.topicPrefix = topicPrefix;
        this.app = app;
    }

    public static TestEngine start() {
        return start(Map.of());
    }

    /** Starts the engine on a new database and topic prefix; {@code overrides} are extra EIE_* settings. */
    public static TestEngine start(Map<String, String> overrides) {
        return start(TestInfrastructure.get().newDatabase(), overrides);
    }

    /**
     * Starts the engine on this database (new, or another engine's) and a new topic prefix, and
     * waits until it is ready: subscribed, so that nothing published from then on passes it by.
     */
    public static TestEngine start(TestDatabase database, Map<String, String> overrides) {
        TestEngine engine = startWithoutWaiting(database, overrides);
        try {
            Awaitility.await("the engine to be ready").atMost(Duration.ofSeconds(30)).until(() -> engine.get("/ready").status() == 200);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        return engine;
    }

    /** As {@link #start(TestDatabase, Map)}, without waiting for the engine to be ready. */
    public static TestEngine startWithoutWaiting(TestDatabase database, Map<String, String> overrides) {
        TestInfrastructure infrastructure = TestInfrastructure.get();
        String topicPrefix = infrastructure.newTopicPrefix();
        Map<String, String> env = environment(infrastructure, database, topicPrefix);
        env.putAll(overrides);
        try {
            return new TestEngine(database, topicPrefix, App.start(Config.fromEnv(env), Clock.systemUTC()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The variables that point an engine (in this JVM or another) at the test infrastructure, at
     * this database and at a topic prefix of its own ({@code EIE_MQTT_TOPIC_PREFIX}): a new map,
     * the caller's to add to.
     */
    public static Map<String, String> environment(TestDatabase database) {
        TestInfrastructure infrastructure = TestInfrastructure.get();
        return environment(infrastructure, database, infrastructure.newTopicPrefix());
    }

    private static Map<String, String> environment(TestInfrastructure infrastructure, TestDatabase database,
                                                   String topicPrefix) {
        Map<String, String> env = new HashMap<>();
        env.put("EIE_DATABASE_URL", database.jdbcUrl());
        if (database.username() != null) {
            env.put("EIE_DATABASE_USER", database.username());
        }
        if (database.password() != null) {
            env.put("EIE_DATABASE_PASSWORD", database.password());
        }
        env.put("EIE_MQTT_URL", infrastructure.mqttUrl());
        env.put("EIE_MQTT_TOPIC_PREFIX", topicPrefix);
        env.put("EIE_MQTT_CLIENT_ID", "eie-test-" + topicPrefix.replace("/", ""));
        env.put("EIE_MQTT_SESSION_EXPIRY", "10m");
        env.put("EIE_HTTP_HOST", "127.0.0.1");
        env.put("EIE_HTTP_PORT", "0");
        env.put("EIE_DATABASE_POOL_SIZE", "4");
        env.put("EIE_SHUTDOWN_TIMEOUT", "5s");
        return env;
    }

    public App app() {
        return app;
    }

    public TestDatabase database() {
        return database;
    }

    public String topicPrefix() {
        return topicPrefix;
    }

    // --- MQTT ---------------------------------------------------------------------------------

    /** Publishes at QoS 1 to {@code <prefix><topic>} and waits for the broker's acknowledgement. */
    public void publish(String topic, String payload) {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    public synchronized void publish(String topic, byte[] payload) {
        if (publisher == null) {
            publisher = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier("eie-test-publisher-" + UUID.randomUUID())
                    .serverHost(TestInfrastructure.get().mqttHost())
                    .serverPort(TestInfrastructure.get().mqttPort())
                    .buildBlocking();
            publisher.connect();
        }
        publisher.publishWith().topic(topicPrefix + topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
    }

    // --- HTTP ---------------------------------------------------------------------------------

    public Response get(String path) {
        return send(request(path).GET().build());
    }

    public Response post(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public Response put(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public Response delete(String path) {
        return send(request(path).DELETE().build());
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path))
                .timeout(Duration.ofSeconds(30));
    }

    public Response send(HttpRequest request) {
        try {
            HttpResponse<String> raw = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(raw.statusCode(), raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One sample of the engine's {@code /metrics}; see {@link EngineProcess#sample}. */
    public double metric(String series) {
        return EngineProcess.sample(get("/metrics").raw().body(), series);
    }

    // --- SQL ----------------------------------------------------------------------------------

    /** The single value of a query: a count, a sum, a column of one row. */
    public Object queryValue(String sql) {
        try (Connection connection = database.connect();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getObject(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    public long count(String sql) {
        return ((Number) queryValue(sql)).longValue();
    }

    public void execute(String sql) {
        try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (publisher != null) {
            publisher.disconnect();
        }
        app.close();
    }
}
