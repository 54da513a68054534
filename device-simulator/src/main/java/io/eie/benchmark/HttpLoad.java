package io.eie.benchmark;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * HTTP load from a few threads, each with one keep-alive connection, sending the next request as
 * soon as the previous one is answered. Written against the socket, not an HTTP client library,
 * so that the load generator takes little of the CPU the engine needs.
 */
final class HttpLoad {

    /** Builds the bytes of the {@code n}-th request of connection {@code connection}. */
    @FunctionalInterface
    interface Requests {
        byte[] request(int connection, long n);
    }

    record Result(long requests, long readings, long errors, double seconds, Latencies latencies) {

        double requestsPerSecond() {
            return requests / seconds;
        }

        double readingsPerSecond() {
            return readings / seconds;
        }
    }

    /** One request of a finite load, and how many readings it carries. */
    record Request(byte[] bytes, int readings) {
    }

    /** What {@link #drain} sent: readings answered 2xx, readings of requests that were not, and how long it took. */
    record Drained(long readings, long failedReadings, double seconds) {
    }

    private HttpLoad() {
    }

    /**
     * Sends every request {@code source} makes (it answers {@code null} when it has no more, and
     * is called from several threads), over {@code connections} keep-alive connections, each
     * sending its next request once the previous one is answered.
     */
    static Drained drain(String host, int port, int connections, java.util.function.Supplier<Request> source)
            throws InterruptedException {
        long start = System.nanoTime();
        LongAdder readings = new LongAdder();
        LongAdder failed = new LongAdder();
        List<Throwable> broken = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            int connection = c;
            Thread thread = new Thread(() -> {
                try (Socket socket = new Socket(host, port)) {
                    socket.setTcpNoDelay(true);
                    OutputStream out = socket.getOutputStream();
                    InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                    Request request;
                    while ((request = source.get()) != null) {
                        out.write(request.bytes());
                        out.flush();
                        (readResponse(in) / 100 == 2 ? readings : failed).add(request.readings());
                    }
                } catch (IOException | RuntimeException e) {
                    broken.add(new UncheckedIOException("HTTP load connection " + connection + " failed",
                            e instanceof IOException io ? io : new IOException(e)));
                }
            }, "http-drain-" + c);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (!broken.isEmpty()) {
            // what a broken connection had taken is neither sent nor counted: the load is incomplete
            throw new IllegalStateException("the load is incomplete: " + broken.get(0).getMessage(), broken.get(0));
        }
        return new Drained(readings.sum(), failed.sum(), (System.nanoTime() - start) / 1e9);
    }

    /** Requests for {@code warmup + duration}; counts and times only those that start after the warm-up. */
    static Result run(String host, int port, int connections, Duration warmup, Duration duration, int readingsPerRequest,
                      Requests requests) throws InterruptedException {
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long end = measureFrom + duration.toNanos();
        LongAdder done = new LongAdder();
        LongAdder errors = new LongAdder();
        List<Latencies> latencies = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            int connection = c;
            Latencies own = new Latencies();
            latencies.add(own);
            Thread thread = new Thread(() -> {
                try (Socket socket = new Socket(host, port)) {
                    socket.setTcpNoDelay(true);
                    OutputStream out = socket.getOutputStream();
                    InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                    long n = 0;
                    while (true) {
                        long sent = System.nanoTime();
                        if (sent >= end) {
                            return;
                        }
                        out.write(requests.request(connection, n++));
                        out.flush();
                        int status = readResponse(in);
                        long answered = System.nanoTime();
                        if (sent >= measureFrom) {
                            if (status / 100 == 2) {
                                done.increment();
                                own.add(answered - sent);
                            } else {
                                errors.increment();
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("HTTP load connection " + connection + " failed", e);
                }
            }, "http-load-" + c);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        Latencies all = new Latencies();
        latencies.forEach(all::addAll);
        long requestCount = done.sum();
        return new Result(requestCount, requestCount * readingsPerRequest, errors.sum(), duration.toNanos() / 1e9, all);
    }

    /** Reads one response (status line, headers, a Content-Length or chunked body); returns the status. */
    private static int readResponse(InputStream in) throws IOException {
        String statusLine = readLine(in);
        int status = Integer.parseInt(statusLine.substring(9, 12));
        int length = 0;
        boolean chunked = false;
        String header;
        while (!(header = readLine(in)).isEmpty()) {
            if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(header.substring(15).trim());
            } else if (header.regionMatches(true, 0, "Transfer-Encoding:", 0, 18)
                    && header.toLowerCase(java.util.Locale.ROOT).contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            int size;
            while ((size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16)) > 0) {
                skip(in, size);
                readLine(in); // the chunk's closing CRLF
            }
            while (!readLine(in).isEmpty()) {
                // trailers, up to the empty line
            }
            return status;
        }
        skip(in, length);
        return status;
    }

    private static void skip(InputStream in, long length) throws IOException {
        long skipped = 0;
        while (skipped < length) {
            long n = in.skip(length - skipped);
            if (n <= 0) {
                if (in.read() < 0) {
                    throw new IOException("connection closed in a response body");
                }
                n = 1;
            }
            skipped += n;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder(64);
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("connection closed by the server");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    /** A complete HTTP/1.1 request, kept alive. */
    static byte[] request(String method, String path, String host, byte[] body) {
        String head = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
                + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n")
                + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        if (body == null) {
            return headBytes;
        }
        byte[] all = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }
}
