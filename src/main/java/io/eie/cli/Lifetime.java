package io.eie.cli;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** Keeps a long-running command alive until SIGTERM or Ctrl-C, then stops it in order. */
final class Lifetime {

    private static final Logger log = LoggerFactory.getLogger(Lifetime.class);

    private Lifetime() {
    }

    /**
     * Blocks until SIGTERM or SIGINT, runs {@code stop} and returns: being asked to stop, and
     * stopping cleanly, is success (service managers read 143 as a failure). Any other way out of
     * the JVM still stops in order, through the shutdown hook.
     */
    static void runUntilStopped(Runnable stop) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "shutdown"));
        SignalHandler handler = signal -> {
            log.info("SIG{} received", signal.getName());
            stopped.countDown();
        };
        Signal.handle(new Signal("TERM"), handler);
        Signal.handle(new Signal("INT"), handler);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stop.run();
    }
}
