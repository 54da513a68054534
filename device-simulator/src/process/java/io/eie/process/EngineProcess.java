package io.eie.process;

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
 * The engine (or its broker alone) as a process of its own, started the way users start it
 * ({@code java -jar target/eie.jar}), with only the {@code EIE_*} variables given: so that a test
 * can kill it with SIGKILL or stop it with SIGTERM, and the benchmark can measure it apart from
 * the load. One source for the engine's tests and the device simulator's benchmark.
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

    /** What a command that ran to its end printed (standard output and error together), and its exit code. */
    public record Finished(int exitCode, String output) {
    }

    /** {@code java <jvmOptions> -jar <jar> <args>}, with the Java that runs this process. */
    public static List<String> command(Path jar, List<String> jvmOptions, List<String> args) {
        return java(jvmOptions, List.of("-jar", jar.toString()), args);
    }

    /** {@code java <jvmOptions> <launch> <args>}, where {@code launch} is {@code -jar <jar>} or {@code -cp <path> <main class>}. */
    public static List<String> java(List<String> jvmOptions, List<String> launch, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(launch);
        command.addAll(args);
        return command;
    }

    /**
     * Starts the engine with these {@code EIE_*} variables (and none inherited; a free HTTP port
     * unless {@code EIE_HTTP_PORT} names one), logging to {@code log}, and returns once
     * {@code /ready} answers 200.
     */
    public static EngineProcess start(List<String> command, Map<String, String> env, Path log, Duration timeout) {
        return start(command, env, log, timeout, true);
    }

    /** Starts the engine's broker alone ({@code eie broker}); returns once it says it is ready. */
    public static EngineProcess startBroker(List<String> command, Map<String, String> env, Path log, Duration timeout) {
        return start(command, env, log, timeout, false);
    }

    private static EngineProcess start(List<String> command, Map<String, String> env, Path log, Duration timeout,
                                       boolean engine) {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().keySet().removeIf(key -> key.startsWith("EIE_"));
            builder.environment().putAll(env);
            String given = env.get("EIE_HTTP_PORT");
            int port = given == null || given.equals("0") ? freePort() : Integer.parseInt(given);
            builder.environment().put("EIE_HTTP_PORT", Integer.toString(port));
            builder.redirectErrorStream(true);
            builder.redirectOutput(log.toFile());
            EngineProcess process = new EngineProcess(builder.start(), port, log);
            try {
                process.awaitReady(engine, timeout);
            } catch (RuntimeException e) {
                process.close(); // a process that never got ready must not outlive its test or run
                throw e;
            }
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command of the engine's with these {@code EIE_*} variables (and none inherited) to its end. */
    public static Finished run(List<String> command, Map<String, String> env, Duration timeout) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().keySet().removeIf(key -> key.startsWith("EIE_"));
            builder.environment().putAll(env);
            builder.redirectErrorStream(true);
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not end: " + output);
            }
            return new Finished(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitReady(boolean engine, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the process exited with " + process.exitValue() + "; see " + log);
            }
            if (engine ? status("/ready") == 200 : Files.readString(log).contains("Ready.")) {
                return;
            }
            sleep(100);
        }
        throw new IllegalStateException("not ready within " + timeout + "; see " + log);
    }

    public int httpPort() {
        return httpPort;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** Sends a request to the engine's HTTP API. */
    public HttpResponse<String> send(HttpRequest.Builder request, String path) {
        try {
            return HTTP.send(request.uri(uri(path)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The body of a GET. */
    public String get(String path) {
        return send(HttpRequest.newBuilder().GET(), path).body();
    }

    /** The HTTP status of a GET, or -1 when nothing answers. */
    public int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** One sample of the engine's {@code /metrics}; see {@link #sample}. */
    public double metric(String series) {
        return sample(get("/metrics"), series);
    }

    /**
     * The value of one series in a Prometheus scrape, written as it appears there (labels in
     * alphabetical order), such as {@code eie_readings_total{kind="vehicle",outcome="stored",source="mqtt"}};
     * 0 before the meter has counted anything.
     */
    public static double sample(String scrape, String series) {
        return scrape.lines()
                .filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
                .findFirst().orElse(0);
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
                throw new IllegalStateException("the process did not exit within " + timeout + "; see " + log);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL, if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    public static int freePort() throws IOException {
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
