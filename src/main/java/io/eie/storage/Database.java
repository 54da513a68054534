package io.eie.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The engine's one connection pool and {@link Jdbi}, with the schema migrated on open. */
public final class Database implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final HikariDataSource dataSource;
    private static final String SCHEMA_VERSION = ClasspathSqlLocator.create().locate(Database.class, "schemaVersion");

    private final Jdbi jdbi;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource).installPlugin(new PostgresPlugin());
    }

    /** Opens the pool (waiting up to the connect timeout for the database) and migrates the schema. */
    public static Database connect(DatabaseSettings settings, MeterRegistry metrics) {
        HikariConfig config = poolConfig(settings);
        config.setMetricRegistry(metrics);
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            migrate(dataSource);
            return new Database(dataSource);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    /** Applies pending migrations and returns; for the {@code migrate} command and start-up. */
    public static void migrate(DataSource dataSource) {
        MigrateResult result = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        if (result.migrationsExecuted > 0) {
            log.info("Database schema migrated to version {} ({} migrations applied)",
                    result.targetSchemaVersion, result.migrationsExecuted);
        } else {
            log.info("Database schema is up to date at version {}", result.initialSchemaVersion);
        }
    }

    private static HikariConfig poolConfig(DatabaseSettings settings) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("eie-db");
        config.setJdbcUrl(settings.jdbcUrl());
        if (settings.username() != null) {
            config.setUsername(settings.username());
        }
        if (settings.password() != null) {
            config.setPassword(settings.password());
        }
        config.setMaximumPoolSize(settings.poolSize());
        config.setMinimumIdle(Math.min(2, settings.poolSize()));
        config.setInitializationFailTimeout(settings.connectTimeout().toMillis());
        config.setConnectionTimeout(2_000); // a failing database is noticed in seconds, not minutes
        config.setValidationTimeout(1_000);
        config.addDataSourceProperty("ApplicationName", "energy-ingestion-engine");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        if (!settings.jdbcUrl().contains("socketTimeout")) {
            // a connection that silently stops answering fails the batch (and it is retried)
            // instead of holding the writer forever
            config.addDataSourceProperty("socketTimeout", "60");
        }
        return config;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** The version of the last migration applied. */
    public String schemaVersion() {
        return jdbi.withHandle(handle -> handle.createQuery(SCHEMA_VERSION).mapTo(String.class).one());
    }

    /** True when a connection answers within a second. */
    public boolean isReachable() {
        try (var connection = dataSource.getConnection()) {
            return connection.isValid(1);
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
