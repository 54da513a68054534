package io.eie.storage;

import java.time.Duration;

/**
 * Where PostgreSQL is and how to reach it.
 *
 * @param jdbcUrl        a {@code jdbc:postgresql://} URL (TLS options such as {@code sslmode} go in it)
 * @param username       {@code null} to take it from the URL
 * @param password       {@code null} to take it from the URL
 * @param poolSize       the most connections the engine holds
 * @param connectTimeout how long start-up waits for the database to answer
 */
public record DatabaseSettings(String jdbcUrl, String username, String password, int poolSize, Duration connectTimeout) {

    /** The same settings, pointed at another server (the embedded one, once it runs). */
    public DatabaseSettings withServer(String jdbcUrl, String username, String password) {
        return new DatabaseSettings(jdbcUrl, username, password, poolSize, connectTimeout);
    }

    @Override
    public String toString() {
        return "DatabaseSettings[jdbcUrl=" + jdbcUrl + ", username=" + username
                + ", password=" + (password == null ? null : "****") + ", poolSize=" + poolSize
                + ", connectTimeout=" + connectTimeout + "]";
    }
}
