package io.eie.embedded;

import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MQTT 5 broker (HiveMQ Community Edition) run inside the engine when no external broker is
 * configured. Sessions and queued messages persist under the data directory, and the per-client
 * queue is sized for outages, not HiveMQ's default of 1,000 messages.
 */
public final class EmbeddedBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedBroker.class);

    private static final String CONFIG = """
            <?xml version="1.0"?>
            <hivemq>
              <listeners>
                <tcp-listener>
                  <port>%d</port>
                  <bind-address>%s</bind-address>
                </tcp-listener>
              </listeners>
              <mqtt>
                <queued-messages>
                  <max-queue-size>%d</max-queue-size>
                  <strategy>discard</strategy>
                </queued-messages>
                <session-expiry>
                  <max-interval>%d</max-interval>
                </session-expiry>
                <receive-maximum>
                  <server-receive-maximum>1000</server-receive-maximum>
                </receive-maximum>
                <packets>
                  <max-packet-size>%d</max-packet-size>
                </packets>
              </mqtt>
              <persistence>
                <mode>file</mode>
              </persistence>
              <anonymous-usage-statistics>
                <enabled>false</enabled>
              </anonymous-usage-statistics>
            </hivemq>
            """;

    private static final int INFLIGHT_WINDOW = 10_000;

    private final EmbeddedHiveMQ hivemq;
    private final String host;
    private final int port;
    private boolean closed;

    private EmbeddedBroker(EmbeddedHiveMQ hivemq, String host, int port) {
        this.hivemq = hivemq;
        this.host = host;
        this.port = port;
    }

    /**
     * Starts the broker on {@code host:port} (port 0: a free one).
     *
     * @throws PortTakenException when something else listens on the port already
     */
    public static EmbeddedBroker start(Path dataDir, String host, int port, long maxQueuedMessages,
                                       Duration maxSessionExpiry, int maxPacketSize) throws IOException {
        int chosen = port == 0 ? freePort(host) : checkFree(host, port);
        Path home = dataDir.resolve("mqtt").toAbsolutePath().normalize();
        Path conf = Files.createDirectories(home.resolve("conf"));
        Path data = Files.createDirectories(home.resolve("data"));
        Path extensions = Files.createDirectories(home.resolve("extensions"));
        Files.writeString(conf.resolve("config.xml"),
                CONFIG.formatted(chosen, host, maxQueuedMessages, maxSessionExpiry.toSeconds(), maxPacketSize),
                StandardCharsets.UTF_8);
        log.info("Starting embedded MQTT broker on {}:{} with its data in {}", host, chosen, home);
        // HiveMQ CE sends a consumer at most 50 unacknowledged messages, and the next ones only
        // once all of those are acknowledged. The engine acknowledges after each commit, so that
        // window, not the database, would set its pace: widen it to what the engine allows.
        InternalConfigurations.MAX_INFLIGHT_WINDOW_SIZE_MESSAGES = INFLIGHT_WINDOW;
        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(data)
                .withExtensionsFolder(extensions)
                .withoutLoggingBootstrap()
                .build();
        try {
            hivemq.start().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            closeQuietly(hivemq);
            throw new IOException("the embedded MQTT broker did not start: " + e.getMessage(), e);
        }
        return new EmbeddedBroker(hivemq, host, chosen);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /**
     * Fails at once when the port is taken, before anything slower starts.
     *
     * @throws PortTakenException when something else listens on the port already
     */
    public static void requireFreePort(String host, int port) throws IOException {
        if (port != 0) {
            checkFree(host, port);
        }
    }

    private static int checkFree(String host, int port) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(host, port));
            return port;
        } catch (BindException e) {
            throw new PortTakenException(host, port);
        }
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(host, 0));
            return socket.getLocalPort();
        }
    }

    private static void closeQuietly(EmbeddedHiveMQ hivemq) {
        try {
            hivemq.close();
        } catch (Exception e) {
            log.debug("Closing the embedded broker after a failed start: {}", e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            hivemq.stop().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("Stopping the embedded MQTT broker failed: {}", e.getMessage());
        }
        closeQuietly(hivemq);
    }

    /** The embedded broker's port is in use: most often, another broker already runs there. */
    public static final class PortTakenException extends IOException {
        PortTakenException(String host, int port) {
            super("port " + port + " on " + host + " is taken, so the embedded MQTT broker cannot start. "
                    + "Point the engine at the broker that runs there with EIE_MQTT_URL=tcp://" + host + ":" + port
                    + ", or give the embedded broker another port with EIE_EMBEDDED_MQTT_PORT");
        }
    }
}
