package io.eie.mqtt;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to reach the broker and what to subscribe to.
 *
 * @param tls                {@code true} for an {@code ssl://} URL
 * @param trustStore         a trust store for the broker's certificate; {@code null} for the JVM's default
 * @param clientId           stable across restarts, so that the broker keeps the session (and what it queued) for it
 * @param shareGroup         when set, subscribe as {@code $share/<group>/...} so that instances split the load
 * @param topicPrefix        {@code ""}, or a prefix ending in {@code /} put before {@code meters/+} and {@code vehicles/+}
 * @param sessionExpiry      how long the broker keeps the session, and queues for it, while the engine is away
 * @param receiveMaximum     the most unacknowledged messages the broker may send at once
 * @param maxPacketSize      the largest message the broker may send; it drops larger ones for the engine
 */
public record MqttSettings(String host, int port, boolean tls, Path trustStore, String trustStorePassword,
                           String username, String password, String clientId, String shareGroup, String topicPrefix,
                           Duration sessionExpiry, int receiveMaximum, int maxPacketSize) {

    /** The same settings, pointed at another broker (the embedded one, once it has a port). */
    public MqttSettings withServer(String host, int port) {
        return new MqttSettings(host, port, tls, trustStore, trustStorePassword, username, password, clientId, shareGroup,
                topicPrefix, sessionExpiry, receiveMaximum, maxPacketSize);
    }

    public String url() {
        return (tls ? "ssl://" : "tcp://") + host + ":" + port;
    }

    @Override
    public String toString() {
        return "MqttSettings[url=" + url() + ", trustStore=" + trustStore + ", username=" + username
                + ", password=" + (password == null ? null : "****") + ", clientId=" + clientId
                + ", shareGroup=" + shareGroup + ", topicPrefix=" + topicPrefix + ", sessionExpiry=" + sessionExpiry
                + ", receiveMaximum=" + receiveMaximum + ", maxPacketSize=" + maxPacketSize + "]";
    }
}
