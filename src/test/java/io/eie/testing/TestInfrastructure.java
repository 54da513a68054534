package io.eie.testing;

import io.eie.config.Config;
import io.eie.embedded.EmbeddedBroker;
import io.eie.mqtt.MqttSettings;
import io.eie.storage.DatabaseSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server and MQTT broker the integration tests run against: the ones named by
 * {@code EIE_TEST_DATABASE_URL} and {@code EIE_TEST_MQTT_URL} when set, otherwise an embedded
 * PostgreSQL and an embedded broker on free ports, started once per test run. Every test gets a
 * database of its own ({@link #newDatabase()}) and a topic prefix of its own ({@link #newTopicPrefix()}),
 * handed to it by {@link EngineExtension}.
 */
public final class TestInfrastructure {

    private static final Logger log = LoggerFactory.getLogger(TestInfrastructure.class);
    private static TestInfrastructure instance;

    /** A database of one test: an empty one, migrated by the engine when it starts on it. */
    public record TestDatabase(String name, String jdbcUrl, String username, String password) {

        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl, username, password);
        }

        /** The single number a query returns, such as a count. */
        public long count(String sql) {
            try (Connection connection = connect();
                 Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery(sql)) {
                rows.next();
                return rows.getLong(1);
            } catch (SQLException e) {
                throw new IllegalStateException(sql + ": " + e.getMessage(), e);
            }
        }

        /** The first column of every row a query returns, as text. */
        public List<String> strings(String sql) {
            try (Connection connection = connect();
                 Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery(sql)) {
                List<String> values = new ArrayList<>();
                while (rows.next()) {
                    values.add(rows.getString(1));
                }
                return values;
            } catch (SQLException e) {
                throw new IllegalStateException(sql + ": " + e.getMessage(), e);
            }
        }

        /** How many readings are stored: in both history tables, the vehicles' and the meters', packed or not. */
        public long storedReadings() {
            return storedReadings("true", null);
        }

        /** How many readings of this device, a vehicle or a meter, are stored. */
        public long storedReadingsOf(String deviceId) {
            return storedReadings("device_id = ?", deviceId);
        }

        /** How many readings of every device but this one are stored. */
        public long storedReadingsExcept(String deviceId) {
            return storedReadings("device_id <> ?", deviceId);
        }

        private long storedReadings(String condition, String deviceId) {
            String sql = "SELECT count(*) FROM (SELECT vehicle_id AS device_id FROM vehicle_telemetry_history "
                    + "UNION ALL SELECT meter_id FROM meter_telemetry_history "
                    + "UNION ALL SELECT vehicle_id FROM vehicle_history_packed, unnest(ts_steps) "
                    + "UNION ALL SELECT meter_id FROM meter_history_packed, unnest(ts_steps)) AS stored WHERE " + condition;
            try (Connection connection = connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
                if (deviceId != null) {
                    statement.setString(1, deviceId);
                }
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(sql + ": " + e.getMessage(), e);
            }
        }

        public void execute(String sql) {
            try (Connection connection = connect(); Statement statement = connection.createStatement()) {
                statement.execute(sql);
            } catch (SQLException e) {
                throw new IllegalStateException(sql + ": " + e.getMessage(), e);
            }
        }

        /** The same database reached through another host and port, such as a {@link TcpProxy}. */
        public String jdbcUrlVia(String host, int port) {
            return jdbcUrl.replaceFirst("^jdbc:postgresql://[^/?]*", "jdbc:postgresql://" + host + ":" + port);
        }

        /** The host and port of the server, from the URL. */
        public String serverHost() {
            String authority = jdbcUrl.replaceFirst("^jdbc:postgresql://([^/?]*).*$", "$1");
            return authority.contains(":") ? authority.substring(0, authority.lastIndexOf(':')) : authority;
        }

        public int serverPort() {
            String authority = jdbcUrl.replaceFirst("^jdbc:postgresql://([^/?]*).*$", "$1");
            return authority.contains(":") ? Integer.parseInt(authority.substring(authority.lastIndexOf(':') + 1)) : 5432;
        }
    }

    private final DatabaseSettings server;
    private final String mqttHost;
    private final int mqttPort;
    private final String description;
    private final List<String> databases = new ArrayList<>();
    private EmbeddedPostgres embeddedPostgres;
    private EmbeddedBroker embeddedBroker;
    private Path brokerDir;

    private TestInfrastructure(DatabaseSettings server, String mqttHost, int mqttPort, String description) {
        this.server = server;
        this.mqttHost = mqttHost;
        this.mqttPort = mqttPort;
        this.description = description;
    }

    public static synchronized TestInfrastructure get() {
        if (instance == null) {
            instance = start();
            Runtime.getRuntime().addShutdownHook(new Thread(instance::stop, "test-infrastructure-stop"));
            log.info("Integration tests run against {}", instance.description);
        }
        return instance;
    }

    private static TestInfrastructure start() {
        try {
            String databaseUrl = System.getenv("EIE_TEST_DATABASE_URL");
            String mqttUrl = System.getenv("EIE_TEST_MQTT_URL");
            EmbeddedPostgres postgres = null;
            DatabaseSettings server;
            if (databaseUrl != null && !databaseUrl.isBlank()) {
                server = Config.fromEnv(Map.of("EIE_DATABASE_URL", databaseUrl)).database();
            } else {
                postgres = EmbeddedPostgres.builder().start();
                server = new DatabaseSettings(postgres.getJdbcUrl("postgres", "postgres"), "postgres", null, 4,
                        Duration.ofSeconds(10));
            }
            EmbeddedBroker broker = null;
            Path brokerDir = null;
            String host;
            int port;
            if (mqttUrl != null && !mqttUrl.isBlank()) {
                MqttSettings mqtt = Config.fromEnv(Map.of("EIE_MQTT_URL", mqttUrl)).mqtt();
                host = mqtt.host();
                port = mqtt.port();
            } else {
                brokerDir = Files.createTempDirectory("eie-test-broker");
                broker = EmbeddedBroker.start(brokerDir, "127.0.0.1", 0, 10_000_000, Duration.ofDays(1), 1024 * 1024);
                host = broker.host();
                port = broker.port();
            }
            String description = (postgres == null ? "PostgreSQL at " + server.jdbcUrl() : "embedded PostgreSQL")
                    + " and " + (broker == null ? "the broker at " + host + ":" + port : "an embedded broker on port " + port);
            TestInfrastructure infrastructure = new TestInfrastructure(server, host, port, description);
            infrastructure.embeddedPostgres = postgres;
            infrastructure.embeddedBroker = broker;
            infrastructure.brokerDir = brokerDir;
            return infrastructure;
        } catch (IOException e) {
            throw new UncheckedIOException("the test infrastructure did not start", e);
        }
    }

    /** Creates an empty database for one test; it is dropped when the test run ends. */
    public synchronized TestDatabase newDatabase() {
        String name = "eie_test_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the test database " + name + ": " + e.getMessage(), e);
        }
        databases.add(name);
        return new TestDatabase(name, withDatabase(server.jdbcUrl(), name), server.username(), server.password());
    }

    /** A topic prefix no other test uses, such as {@code t3f9a0c1e/}. */
    public String newTopicPrefix() {
        return "t" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + "/";
    }

    public String mqttHost() {
        return mqttHost;
    }

    public int mqttPort() {
        return mqttPort;
    }

    public String mqttUrl() {
        return "tcp://" + mqttHost + ":" + mqttPort;
    }

    /** Swaps the database of a JDBC URL: {@code jdbc:postgresql://h:5432/test?x=y} to {@code .../name?x=y}. */
    static String withDatabase(String jdbcUrl, String database) {
        int query = jdbcUrl.indexOf('?');
        String base = query < 0 ? jdbcUrl : jdbcUrl.substring(0, query);
        String params = query < 0 ? "" : jdbcUrl.substring(query);
        int slash = base.indexOf('/', "jdbc:postgresql://".length());
        return (slash < 0 ? base : base.substring(0, slash)) + "/" + database + params;
    }

    private synchronized void stop() {
        if (embeddedPostgres == null) {
            try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
                 Statement statement = connection.createStatement()) {
                for (String name : databases) {
                    statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                }
            } catch (SQLException e) {
                log.warn("Dropping the test databases failed: {}", e.getMessage());
            }
        } else {
            try {
                embeddedPostgres.close();
            } catch (IOException e) {
                log.warn("Stopping the embedded PostgreSQL failed: {}", e.getMessage());
            }
        }
        if (embeddedBroker != null) {
            embeddedBroker.close();
            deleteQuietly(brokerDir);
        }
    }

    private static void deleteQuietly(Path directory) {
        try (var paths = Files.walk(directory)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            log.debug("Leaving {} behind: {}", directory, e.getMessage());
        }
    }
}
