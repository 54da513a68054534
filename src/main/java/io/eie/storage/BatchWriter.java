package io.eie.storage;

import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place writes are committed. A bounded queue feeds a few writer threads (two by
 * default); each takes the first waiting write, then whatever else is already waiting (up to the
 * batch size), and commits them in one transaction on its own connection. The first writer
 * takes whatever comes; the others help only while a backlog waits, so that light traffic
 * commits as often as with one writer and a backlog keeps the database busy on two batches.
 * Batches committing at once may hold readings of the same device: the sink keeps that right
 * (duplicates, live rows and rollups do not depend on commit order).
 *
 * <p>Only after the commit is each write's future completed: that is what acknowledges an MQTT
 * message or answers an HTTP request. The writes of one submission (an HTTP request's array)
 * enter the queue as one element, so they travel together into a batch.
 *
 * <p>How a batch is committed is the sink's business: in the engine, {@link IsolatingSink} around
 * {@link RetryingSink} around {@link TelemetryRepository}.
 */
public final class BatchWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);
    /** Helper writers take a batch only while at least this many writes wait. */
    private static final int CONCURRENT_BATCH = 1_000;
    /** How often an idle helper writer looks at the queue. */
    private static final long HELPER_POLL_MILLIS = 5;

    private record Pending(Write write, CompletableFuture<Outcome> done) {
    }

    /** Put behind the last submission by {@link #close()}, one per writer: a writer stops when it takes one. */
    private static final List<Pending> STOP = java.util.Collections.unmodifiableList(new ArrayList<>());

    private final BatchSettings settings;
    private final BatchSink sink;
    private final WriterMetrics metrics;
    /** Submissions, each the writes of one call; only writers take from it (and put back the rest of one they split). */
    private final LinkedBlockingDeque<List<Pending>> queue = new LinkedBlockingDeque<>();
    private final Semaphore room;
    private final List<Thread> threads = new ArrayList<>();
    /** Writer threads that have not ended; the last to end fails what is left. */
    private final AtomicInteger running;
    private final Object lifecycle = new Object();
    private volatile boolean accepting = true;

    public BatchWriter(BatchSettings settings, BatchSink sink, WriterMetrics metrics) {
        this.settings = settings;
        this.sink = sink;
        this.metrics = metrics;
        metrics.gaugeQueue(this::queued);
        this.room = new Semaphore(settings.queueCapacity());
        this.running = new AtomicInteger(settings.writers());
        for (int i = 0; i < settings.writers(); i++) {
            boolean helper = i > 0;
            Counter batches = metrics.writerBatches(i + 1);
            Thread thread = new Thread(() -> run(helper, batches), "batch-writer-" + (i + 1));
            threads.add(thread);
            thread.start();
        }
    }

    /**
     * Queues one write, waiting while the queue is full (the caller slows down: flow control).
     *
     * @throws IllegalStateException when the writer is closing
     */
    public CompletableFuture<Outcome> submit(Write write) throws InterruptedException {
        room.acquire();
        return enqueue(List.of(write)).get(0);
    }

    /**
     * Queues all of these writes, or none of them when the queue lacks room for all (the caller
     * answers "try again later").
     *
     * @throws IllegalStateException when the writer is closing
     */
    public Optional<List<CompletableFuture<Outcome>>> trySubmit(List<Write> writes) {
        if (!room.tryAcquire(writes.size())) {
            return Optional.empty();
        }
        return Optional.of(enqueue(writes));
    }

    private List<CompletableFuture<Outcome>> enqueue(List<Write> writes) {
        List<CompletableFuture<Outcome>> futures = new ArrayList<>(writes.size());
        List<Pending> submission = new ArrayList<>(writes.size());
        for (Write write : writes) {
            CompletableFuture<Outcome> done = new CompletableFuture<>();
            submission.add(new Pending(write, done));
            futures.add(done);
        }
        synchronized (lifecycle) {
            if (!accepting) {
                room.release(writes.size());
                throw new IllegalStateException("the batch writer is closed");
            }
            queue.add(submission);
        }
        return futures;
    }

    /** Whether the writers have a backlog: as many writes wait as make a helper writer join in. */
    public boolean busy() {
        return queued() >= CONCURRENT_BATCH;
    }

    /** Writes waiting for a batch, not counting the batches being committed. */
    public int queued() {
        return settings.queueCapacity() - room.availablePermits();
    }

    public int capacity() {
        return settings.queueCapacity();
    }

    /**
     * @param helper  whether this writer only helps with a backlog ({@link #awaitBacklog()})
     * @param batches counts the batches it takes
     */
    private void run(boolean helper, Counter batches) {
        boolean stopping = false;
        while (!stopping) {
            List<Pending> batch = new ArrayList<>(settings.maxBatchSize());
            try {
                List<Pending> first;
                if (helper) {
                    awaitBacklog();
                    first = queue.poll(HELPER_POLL_MILLIS, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue; // the first writer took it all
                    }
                } else {
                    first = queue.take();
                }
                // each writer takes exactly one stop marker: one that took it stops taking
                stopping = take(batch, first) || drain(batch);
                if (!stopping && !settings.maxWait().isZero()) {
                    stopping = linger(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                room.release(batch.size());
                fail(batch, e);
                break;
            }
            room.release(batch.size());
            if (!batch.isEmpty()) {
                batches.increment();
                flush(batch);
            }
        }
        if (running.decrementAndGet() == 0) {
            failRemaining();
        }
    }

    /**
     * Adds a submission to the batch, as much of it as fits; the rest goes back to the head of
     * the queue for the next batch.
     *
     * @return whether the submission was the stop marker
     */
    private boolean take(List<Pending> batch, List<Pending> submission) {
        if (submission == STOP) {
            return true;
        }
        int fits = settings.maxBatchSize() - batch.size();
        if (submission.size() <= fits) {
            batch.addAll(submission);
        } else {
            batch.addAll(submission.subList(0, fits));
            queue.addFirst(new ArrayList<>(submission.subList(fits, submission.size())));
        }
        return false;
    }

    /** Takes what is already waiting, up to the batch size; true when it reached the stop marker. */
    private boolean drain(List<Pending> batch) {
        List<Pending> next;
        while (batch.size() < settings.maxBatchSize() && (next = queue.poll()) != null) {
            if (take(batch, next)) {
                return true;
            }
        }
        return false;
    }

    /** Waits up to the maximum wait for the batch to fill; true when it reached the stop marker. */
    private boolean linger(List<Pending> batch) throws InterruptedException {
        long deadline = System.nanoTime() + settings.maxWait().toNanos();
        while (batch.size() < settings.maxBatchSize()) {
            long left = deadline - System.nanoTime();
            List<Pending> next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
            if (next == null) {
                return false;
            }
            if (take(batch, next) || drain(batch)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Holds a helper writer back until at least {@link #CONCURRENT_BATCH} writes wait (then the
     * database's work on a second batch outweighs the cost of a second commit in flight), or the
     * writer is closing; small batches are left to the first writer, as if it were alone.
     */
    private void awaitBacklog() throws InterruptedException {
        int from = Math.min(CONCURRENT_BATCH, settings.maxBatchSize());
        while (accepting && queued() < from) {
            Thread.sleep(HELPER_POLL_MILLIS);
        }
    }

    /**
     * Commits the batch through the sink (which retries and isolates bad rows as it is built to),
     * then completes each write's future; fails them all when the sink gave up (the writer is
     * stopping), so that nothing uncommitted is acknowledged.
     */
    private void flush(List<Pending> batch) {
        long started = System.nanoTime();
        List<Write> writes = writesOf(batch);
        List<Outcome> outcomes;
        try {
            outcomes = sink.write(writes);
        } catch (IsolatingSink.PartiallyCommitted partly) {
            // complete what committed, and fail only the rest
            List<Pending> committed = new ArrayList<>();
            List<Outcome> committedOutcomes = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                Outcome outcome = partly.outcomes().get(i);
                if (outcome == null) {
                    batch.get(i).done().completeExceptionally(partly.getCause());
                } else {
                    committed.add(batch.get(i));
                    committedOutcomes.add(outcome);
                }
            }
            complete(committed, committedOutcomes, started);
            return;
        } catch (Throwable e) {
            log.debug("A batch of {} was not committed: {}", batch.size(), e.getMessage());
            fail(batch, e);
            return;
        }
        complete(batch, outcomes, started);
    }

    private void complete(List<Pending> batch, List<Outcome> outcomes, long startedNanos) {
        metrics.committed(writesOf(batch), outcomes, Duration.ofNanos(System.nanoTime() - startedNanos), Instant.now());
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).done().complete(outcomes.get(i));
        }
    }

    private static List<Write> writesOf(List<Pending> batch) {
        List<Write> writes = new ArrayList<>(batch.size());
        for (Pending pending : batch) {
            writes.add(pending.write());
        }
        return writes;
    }

    private static void fail(List<Pending> batch, Throwable cause) {
        for (Pending pending : batch) {
            pending.done().completeExceptionally(cause);
        }
    }

    private void failRemaining() {
        List<List<Pending>> left = new ArrayList<>();
        synchronized (lifecycle) {
            accepting = false;
            queue.drainTo(left);
        }
        List<Pending> uncommitted = new ArrayList<>();
        left.forEach(uncommitted::addAll);
        if (!uncommitted.isEmpty()) {
            log.warn("{} writes were not committed before the writer stopped", uncommitted.size());
            fail(uncommitted, new IllegalStateException("the batch writer stopped before committing this write"));
        }
    }

    /**
     * Stops taking writes, commits what is queued (giving up on a failing database after the
     * shutdown timeout) and waits for the writer threads. Safe to call twice.
     */
    @Override
    public void close() {
        close(settings.shutdownTimeout());
    }

    /** As {@link #close()}, committing what is queued for at most {@code timeout}. */
    public void close(Duration timeout) {
        synchronized (lifecycle) {
            if (accepting) {
                accepting = false;
                sink.giveUpAfter(System.nanoTime() + timeout.toNanos());
                for (int i = 0; i < threads.size(); i++) {
                    queue.add(STOP);
                }
            }
        }
        long joinDeadline = System.nanoTime() + timeout.plusSeconds(2).toNanos();
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, (joinDeadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Thread thread : threads) {
            if (thread.isAlive()) {
                log.warn("Batch writer {} did not stop in time; interrupting it", thread.getName());
                thread.interrupt();
            }
        }
    }
}
