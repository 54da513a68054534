package io.eie.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * An MQTT broker a test owns, as a process of its own on a free port, which the test may stop and
 * start again (same port, same data) or kill: a Mosquitto with persistence on, when the machine
 * has one, or the engine's own broker ({@code java -jar target/eie.jar broker}), which every
 * machine that builds the engine has.
 */
public final class OwnedBroker implements AutoCloseable {

    /** The brokers a test can own here: Mosquitto if installed, and always the engine's. */
    public enum Kind {
        MOSQUITTO, ENGINE_BROKER;

        public boolean available() {
            return this == ENGINE_BROKER || mosquittoBinary().isPresent();
        }

        /** Mosquitto where it is installed, else the engine's own broker. */
        public static Kind preferred() {
            return MOSQUITTO.available() ? MOSQUITTO : ENGINE_BROKER;
        }
    }

    private final Kind kind;
    private final Path dir;
    private final int port;
    private final String name;
    private final Function<Integer, String> mosquittoConfig;
    private Process process;

    private OwnedBroker(Kind kind, String name, Function<Integer, String> mosquittoConfig) {
        this.kind = kind;
        this.name = name;
        this.mosquittoConfig = mosquittoConfig;
        try {
            this.dir = Files.createTempDirectory("eie-broker-" + name);
            openToAll(dir);
            this.port = freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a broker of this kind with persistence on. */
    public static OwnedBroker start(Kind kind, String name) {
        OwnedBroker broker = new OwnedBroker(kind, name, null);
        broker.start();
        return broker;
    }

    /**
     * Starts Mosquitto with this configuration, given the port to listen on and the directory
     * that holds its data ({@link #dir()}).
     */
    public static OwnedBroker mosquitto(String name, Function<Integer, String> config) {
        OwnedBroker broker = new OwnedBroker(Kind.MOSQUITTO, name, config);
        broker.start();
        return broker;
    }

    /**
     * Lets everyone read and write the file: Mosquitto started as root runs as user mosquitto,
     * and must still read its files and write its data.
     */
    public static void openToAll(Path path) {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(Files.isDirectory(path) ? "rwxrwxrwx" : "rw-rw-rw-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mosquitto's binary: on the PATH, or where Debian puts it (/usr/sbin, often not on a user's PATH). */
    public static Optional<Path> mosquittoBinary() {
        Stream<String> path = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator));
        return Stream.concat(path, Stream.of("/usr/sbin", "/usr/local/sbin"))
                .filter(entry -> !entry.isBlank())
                .map(entry -> Path.of(entry, "mosquitto"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    public synchronized void start() {
        try {
            ProcessBuilder builder;
            if (kind == Kind.MOSQUITTO) {
                Path conf = dir.resolve("mosquitto.conf");
                Files.writeString(conf, mosquittoConfig != null ? mosquittoConfig.apply(port) : """
                        listener %d 127.0.0.1
                        allow_anonymous true
                        persistence true
                        persistence_location %s/
                        max_queued_messages 0
                        """.formatted(port, dir));
                builder = new ProcessBuilder(mosquittoBinary().orElseThrow().toString(), "-c", conf.toString());
            } else {
                builder = new ProcessBuilder(EngineJar.command("broker"));
                builder.environment().keySet().removeIf(key -> key.startsWith("EIE_"));
                builder.environment().putAll(Map.of("EIE_DATA_DIR", dir.toString(), "EIE_EMBEDDED_MQTT_HOST", "127.0.0.1",
                        "EIE_EMBEDDED_MQTT_PORT", Integer.toString(port)));
            }
            builder.redirectErrorStream(true);
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
            process = builder.start();
            awaitListening(Duration.ofSeconds(60));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the broker the way a service manager does (SIGTERM): it saves what it holds. */
    public synchronized void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            waitForExit();
        }
    }

    /** Deletes what a stopped broker saved (sessions, queued messages), as a lost disk would. */
    public synchronized void wipe() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("stop the broker first");
        }
        for (Path saved : List.of(dir.resolve("mqtt"), dir.resolve("mosquitto.db"))) {
            try (Stream<Path> files = Files.exists(saved) ? Files.walk(saved) : Stream.empty()) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Sends SIGHUP: Mosquitto reloads its password file and ACL. */
    public void reload() {
        try {
            new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(kind + " exited with " + process.exitValue() + "; see " + log());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                sleep();
            }
        }
        throw new IllegalStateException(kind + " did not listen on port " + port + " within " + timeout + "; see " + log());
    }

    public Kind kind() {
        return kind;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /** Where the broker keeps its data, and the test its files. */
    public Path dir() {
        return dir;
    }

    public Path log() {
        return Path.of("target", "broker-" + name + ".log");
    }

    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitForExit();
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(paths.toList());
            all.sort((a, b) -> b.getNameCount() - a.getNameCount());
            for (Path path : all) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }

    @Override
    public String toString() {
        return kind == Kind.MOSQUITTO ? "Mosquitto" : "the engine's broker";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
