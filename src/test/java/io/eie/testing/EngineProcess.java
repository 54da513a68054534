package io.eie.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The engine as a separate process, started the way users start it ({@code java -jar
 * target/eie.jar}), so that a test can kill it with SIGKILL or stop it with SIGTERM.
 */
public final class EngineProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int httpPort;
    private final Path log;

    private EngineProcess(Process process, int httpPort, Path log) {
        this.process = process;
        this.httpPort = httpPort;
        this.log = log;
    }

    /**
     * Starts the engine with these {@code EIE_*} variables (and none inherited), logging to
     * {@code target/<name>.log}, and waits until it reports ready.
     */
    public static EngineProcess start(String name, Map<String, String> env) {
        try {
            int port = freePort();
            Path log = Path.of("target", name + ".log");
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command());
            builder.environment().keySet().removeIf(key -> key.startsWith("EIE_"));
            builder.environment().putAll(env);
            builder.environment().put("EIE_HTTP_PORT", Integer.toString(port));
            builder.redirectErrorStream(true);
            builder.redirectOutput(log.toFile());
            EngineProcess engine = new EngineProcess(builder.start(), port, log);
            engine.awaitReady(Duration.ofSeconds(60));
            return engine;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a command that ran to its end printed (standard output and error together), and its exit code. */
    public record Finished(int exitCode, String output) {
    }

    /** Runs {@code eie <args>} with these {@code EIE_*} variables (and none inherited) to its end. */
    public static Finished run(Map<String, String> env, String... args) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command(args));
            builder.environment().keySet().removeIf(key -> key.startsWith("EIE_"));
            builder.environment().putAll(env);
            builder.redirectErrorStream(true);
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("eie " + String.join(" ", args) + " did not end: " + output);
            }
            return new Finished(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code java -jar target/eie.jar <args>} once the jar is built; the test classpath before that. */
    static List<String> command(String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m"));
        File jar = new File("target/eie.jar");
        if (jar.isFile()) {
            command.addAll(List.of("-jar", jar.getPath()));
        } else {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.eie.Main"));
        }
        command.addAll(List.of(args));
        return command;
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the engine exited with " + process.exitValue() + "; see " + log);
            }
            if (status("/ready") == 200) {
                return;
            }
            sleep(100);
        }
        throw new IllegalStateException("the engine was not ready within " + timeout + "; see " + log);
    }

    public int httpPort() {
        return httpPort;
    }

    /** Sends a request to the engine's HTTP API. */
    public HttpResponse<String> send(HttpRequest.Builder request, String path) {
        try {
            return HTTP.send(request.uri(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One sample of the engine's {@code /metrics}; see {@link Scrape#value}. */
    public double metric(String series) {
        return Scrape.value(send(HttpRequest.newBuilder().GET(), "/metrics").body(), series);
    }

    /** The HTTP status of a GET, or -1 when nothing answers. */
    public int status(String path) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(2)).build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed, nothing is acknowledged. */
    public void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(30));
    }

    /** SIGTERM; returns the exit code. */
    public int terminate(Duration timeout) {
        process.destroy();
        return waitFor(timeout);
    }

    private int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("the engine did not exit within " + timeout + "; see " + log);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
