package io.eie.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.eie.telemetry.DeviceKind;
import io.eie.telemetry.MeterReading;
import io.eie.telemetry.Problem;
import io.eie.telemetry.Rejection;
import io.eie.telemetry.Source;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BatchWriterTest {

    /** A sink that records every batch it is given and answers as the real one would. */
    static final class RecordingSink implements BatchSink {
        final List<List<Write>> batches = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger mostInFlight = new AtomicInteger();
        volatile Function<List<Write>, RuntimeException> failure = batch -> null;
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Override
        public List<Outcome> write(List<Write> batch) {
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
            }
            batches.add(List.copyOf(batch));
            RuntimeException fail = failure.apply(batch);
            if (fail != null) {
                throw fail;
            }
            return batch.stream().map(write -> write instanceof Write.RecordRejection rejection
                    ? Outcome.rejected(rejection.rejection().problems())
                    : Outcome.STORED).toList();
        }

        int readingsWritten() {
            synchronized (batches) {
                return (int) batches.stream().flatMap(List::stream).filter(Write.StoreReading.class::isInstance).count();
            }
        }
    }

    private final RecordingSink sink = new RecordingSink();
    private BatchWriter writer;

    @AfterEach
    void close() {
        sink.gate = new CountDownLatch(0);
        if (writer != null) {
            writer.close();
        }
    }

    @Test
    void takes_whatever_is_waiting_up_to_the_batch_size() throws Exception {
        writer = new BatchWriter(settings(10, 1000, Duration.ZERO), sink, WriterMetrics.unregistered());
        sink.gate = new CountDownLatch(1);
        List<CompletableFuture<Outcome>> futures = new ArrayList<>();
        futures.add(writer.submit(reading(0)));
        await().atMost(Duration.ofSeconds(5)).until(() -> writer.queued() == 0); // the first batch is at the sink
        for (int i = 1; i <= 25; i++) {
            futures.add(writer.submit(reading(i)));
        }

        sink.gate.countDown();
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);

        assertThat(sink.batches).extracting(List::size).containsExactly(1, 10, 10, 5);
    }

    @Test
    void keeps_the_writes_of_one_submission_together_and_splits_one_larger_than_a_batch() throws Exception {
        writer = new BatchWriter(settings(5, 1000, Duration.ZERO), sink, WriterMetrics.unregistered());

        List<CompletableFuture<Outcome>> four = writer.trySubmit(List.of(reading(1), reading(2), reading(3), reading(4))).orElseThrow();
        CompletableFuture.allOf(four.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        List<Write> seven = new ArrayList<>();
        for (int i = 10; i < 17; i++) {
            seven.add(reading(i));
        }
        List<CompletableFuture<Outcome>> split = writer.trySubmit(seven).orElseThrow();
        CompletableFuture.allOf(split.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);

        assertThat(sink.batches).extracting(List::size).containsExactly(4, 5, 2);
        assertThat(sink.batches.get(2)).containsExactly(seven.get(5), seven.get(6));
    }

    @Test
    void completes_nothing_before_the_sink_has_committed() throws Exception {
        writer = new BatchWriter(settings(10, 1000, Duration.ZERO), sink, WriterMetrics.unregistered());
        sink.gate = new CountDownLatch(1);

        CompletableFuture<Outcome> done = writer.submit(reading(1));
        Thread.sleep(100);
        assertThat(done).isNotDone();

        sink.gate.countDown();
        assertThat(done.get(5, TimeUnit.SECONDS)).isEqualTo(Outcome.STORED);
    }

    @Test
    void retries_while_the_database_fails_and_completes_only_after_the_commit() throws Exception {
        writer = new BatchWriter(settings(10, 1000, Duration.ZERO), sink, WriterMetrics.unregistered());
        AtomicInteger attempts = new AtomicInteger();
        CountDownLatch recover = new CountDownLatch(1);
        sink.failure = batch -> {
            if (recover.getCount() > 0) {
                attempts.incrementAndGet();
                return new RuntimeException(new SQLTransientConnectionException("connection refused", "08001"));
            }
            return null;
        };

        CompletableFuture<Outcome> done = writer.submit(reading(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> attempts.get() >= 3);
        assertThat(done).isNotDone();
        assertThat(writer.storageAvailable()).isFalse();

        recover.countDown();
        assertThat(done.get(10, TimeUnit.SECONDS)).isEqualTo(Outcome.STORED);
        assertThat(writer.storageAvailable()).isTrue();
        assertThat(sink.readingsWritten()).isEqualTo(attempts.get() + 1);
    }

    @Test
    void splits_a_batch_that_fails_on_its_data_and_rejects_only_the_bad_row() throws Exception {
        writer = new BatchWriter(settings(100, 1000, Duration.ZERO), sink, WriterMetrics.unregistered());
        sink.gate = new CountDownLatch(1);
        sink.failure = batch -> batch.stream().anyMatch(write -> write instanceof Write.StoreReading store
                && store.reading().deviceId().equals("M13"))
                ? new RuntimeException(new SQLException("new row violates check constraint", "23514"))
                : null;
        CompletableFuture<Outcome> first = writer.submit(reading(0));
        await().atMost(Duration.ofSeconds(5)).until(() -> writer.queued() == 0);
        List<CompletableFuture<Outcome>> rest = new ArrayList<>();
        for (int i = 1; i < 40; i++) {
            rest.add(writer.submit(reading(i)));
        }

        sink.gate.countDown();

        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(Outcome.STORED);
        for (int i = 1; i < 40; i++) {
            Outcome outcome = rest.get(i - 1).get(5, TimeUnit.SECONDS);
            if (i == 13) {
                assertThat(outcome.status()).isEqualTo(Outcome.Status.REJECTED);
                assertThat(outcome.problems().get(0).message())
                        .isEqualTo("the database refused it: new row violates check constraint");
            } else {
                assertThat(outcome).as("reading %d", i).isEqualTo(Outcome.STORED);
            }
        }
        List<Write> recorded = sink.batches.stream().flatMap(List::stream)
                .filter(Write.RecordRejection.class::isInstance).toList();
        assertThat(recorded).hasSize(1);
        Write.RecordRejection rejection = (Write.RecordRejection) recorded.get(0);
        assertThat(rejection.rejection().deviceId()).isEqualTo("M13");
        assertThat(new String(rejection.rejection().payload())).contains("\"meterId\":\"M13\"");
    }

    @Test
    void records_a_rejection_bare_when_the_database_refuses_its_reasons() throws Exception {
        writer = new BatchWriter(settings(10, 1000, Duration.ZERO), sink, WriterMetrics.unregistered());
        sink.failure = batch -> batch.stream().anyMatch(write -> write instanceof Write.RecordRejection record
                && record.rejection().topic() != null)
                ? new RuntimeException(new SQLException("unsupported Unicode escape sequence", "22P05"))
                : null;
        List<Problem> problems = List.of(Problem.ofPayload("the payload is not valid JSON"));
        Write refused = new Write.RecordRejection(new Rejection(Source.MQTT, DeviceKind.METER, "meters/M1", "M1", new byte[] {1, 2},
                problems, Instant.parse("2026-02-10T10:00:01Z")));

        Outcome outcome = writer.submit(refused).get(5, TimeUnit.SECONDS);

        assertThat(outcome).isEqualTo(Outcome.rejected(problems));
        Write.RecordRejection recorded = (Write.RecordRejection) sink.batches.get(sink.batches.size() - 1).get(0);
        assertThat(recorded.rejection().topic()).isNull();
        assertThat(recorded.rejection().payload()).containsExactly(1, 2);
        assertThat(recorded.rejection().problems().get(0).message()).contains("the reasons could not be stored");
    }

    @Test
    void keeps_writing_after_an_unexpected_error_and_acknowledges_nothing_until_it_commits() throws Exception {
        writer = new BatchWriter(settings(10, 1000, Duration.ZERO), sink, WriterMetrics.unregistered());
        AtomicInteger failures = new AtomicInteger();
        sink.failure = batch -> {
            if (failures.getAndIncrement() < 2) {
                throw new OutOfMemoryError("simulated");
            }
            return null;
        };

        CompletableFuture<Outcome> done = writer.submit(reading(1));

        assertThat(done.get(10, TimeUnit.SECONDS)).isEqualTo(Outcome.STORED);
        assertThat(failures.get()).isEqualTo(3);
        assertThat(writer.submit(reading(2)).get(5, TimeUnit.SECONDS)).isEqualTo(Outcome.STORED);
    }

    @Test
    void takes_all_or_nothing_of_a_request_when_the_queue_is_short_of_room() throws Exception {
        writer = new BatchWriter(settings(1, 5, Duration.ZERO), sink, WriterMetrics.unregistered());
        sink.gate = new CountDownLatch(1);
        writer.submit(reading(0));
        await().atMost(Duration.ofSeconds(5)).until(() -> writer.queued() == 0);

        Optional<List<CompletableFuture<Outcome>>> three = writer.trySubmit(List.of(reading(1), reading(2), reading(3)));
        Optional<List<CompletableFuture<Outcome>>> threeMore = writer.trySubmit(List.of(reading(4), reading(5), reading(6)));

        assertThat(three).isPresent();
        assertThat(threeMore).isEmpty();
        assertThat(writer.queued()).isEqualTo(3);
        sink.gate.countDown();
        CompletableFuture.allOf(three.get().toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertThat(sink.readingsWritten()).isEqualTo(4);
    }

    @Test
    void makes_a_submitter_wait_while_the_queue_is_full() throws Exception {
        writer = new BatchWriter(settings(1, 2, Duration.ZERO), sink, WriterMetrics.unregistered());
        sink.gate = new CountDownLatch(1);
        writer.submit(reading(0));
        await().atMost(Duration.ofSeconds(5)).until(() -> writer.queued() == 0);
        writer.submit(reading(1));
        writer.submit(reading(2));

        CompletableFuture<CompletableFuture<Outcome>> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return writer.submit(reading(3));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertThat(blocked).isNotDone();

        sink.gate.countDown();
        assertThat(blocked.get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS)).isEqualTo(Outcome.STORED);
        assertThat(sink.readingsWritten()).isEqualTo(4);
    }

    @Test
    void waits_up_to_the_maximum_wait_to_fill_a_batch() throws Exception {
        writer = new BatchWriter(settings(10, 1000, Duration.ofMillis(500)), sink, WriterMetrics.unregistered());

        CompletableFuture<Outcome> first = writer.submit(reading(1));
        Thread.sleep(50);
        CompletableFuture<Outcome> second = writer.submit(reading(2));
        CompletableFuture.allOf(first, second).get(5, TimeUnit.SECONDS);

        assertThat(sink.batches).extracting(List::size).containsExactly(2);
    }

    @Test
    void brings_in_the_second_writer_while_a_backlog_waits() throws Exception {
        writer = new BatchWriter(settings(100, 1000, Duration.ZERO, 2), sink, WriterMetrics.unregistered());
        sink.gate = new CountDownLatch(1);

        CompletableFuture<Outcome> first = writer.submit(reading(0));
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.inFlight.get() == 1);
        List<Write> backlog = new ArrayList<>();
        for (int i = 1; i <= 150; i++) {
            backlog.add(reading(i));
        }
        List<CompletableFuture<Outcome>> rest = writer.trySubmit(backlog).orElseThrow();
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.inFlight.get() == 2);
        assertThat(first).isNotDone();

        sink.gate.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(Outcome.STORED);
        CompletableFuture.allOf(rest.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertThat(sink.batches).extracting(List::size).containsExactlyInAnyOrder(1, 100, 50);
    }

    @Test
    void leaves_small_batches_to_the_first_writer_so_that_they_take_turns() throws Exception {
        writer = new BatchWriter(settings(100, 1000, Duration.ZERO, 2), sink, WriterMetrics.unregistered());
        sink.gate = new CountDownLatch(1);
        List<CompletableFuture<Outcome>> futures = new ArrayList<>();
        futures.add(writer.submit(reading(0)));
        await().atMost(Duration.ofSeconds(5)).until(() -> sink.inFlight.get() == 1);
        for (int i = 1; i <= 5; i++) {
            futures.add(writer.submit(reading(i)));
            Thread.sleep(20);
        }
        Thread.sleep(200);
        assertThat(sink.mostInFlight.get()).isEqualTo(1);
        assertThat(writer.queued()).as("left for the first writer, not taken by the second").isEqualTo(5);
        sink.gate.countDown();
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);

        assertThat(sink.batches).extracting(List::size).containsExactly(1, 5);
        assertThat(sink.mostInFlight.get()).isEqualTo(1);
    }

    @Test
    void retries_a_batch_aborted_by_a_conflict_with_another_without_reporting_an_outage() throws Exception {
        writer = new BatchWriter(settings(10, 1000, Duration.ZERO, 2), sink, WriterMetrics.unregistered());
        AtomicInteger deadlocks = new AtomicInteger();
        sink.failure = batch -> deadlocks.getAndIncrement() < 3
                ? new RuntimeException(new SQLException("deadlock detected", "40P01"))
                : null;

        Outcome outcome = writer.submit(reading(1)).get(5, TimeUnit.SECONDS);

        assertThat(outcome).isEqualTo(Outcome.STORED);
        assertThat(deadlocks.get()).isEqualTo(4);
        assertThat(writer.storageAvailable()).isTrue();
        assertThat(sink.batches.stream().flatMap(List::stream).filter(Write.RecordRejection.class::isInstance)).isEmpty();
    }

    @ParameterizedTest(name = "{0} writers")
    @ValueSource(ints = {1, 2, 4})
    void commits_what_is_queued_when_closed_and_then_refuses_more(int writers) throws Exception {
        writer = new BatchWriter(settings(3, 1000, Duration.ZERO, writers), sink, WriterMetrics.unregistered());
        sink.gate = new CountDownLatch(1);
        List<CompletableFuture<Outcome>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            futures.add(writer.submit(reading(i)));
        }

        CompletableFuture<Void> closing = CompletableFuture.runAsync(writer::close);
        Thread.sleep(100);
        sink.gate.countDown();
        closing.get(10, TimeUnit.SECONDS);

        assertThat(futures).allSatisfy(future -> assertThat(future).isCompletedWithValue(Outcome.STORED));
        assertThatThrownBy(() -> writer.trySubmit(List.of(reading(99))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    /** One writer: what each batch holds is then fully determined by what was waiting. */
    private static BatchSettings settings(int batchSize, int capacity, Duration maxWait) {
        return settings(batchSize, capacity, maxWait, 1);
    }

    private static BatchSettings settings(int batchSize, int capacity, Duration maxWait, int writers) {
        return new BatchSettings(batchSize, maxWait, capacity, writers, Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    private static Write reading(int i) {
        return new Write.StoreReading(new MeterReading("M" + i, Instant.parse("2026-02-10T10:00:00Z"),
                BigDecimal.ONE, 230), Source.MQTT, "meters/M" + i, Instant.parse("2026-02-10T10:00:01Z"));
    }
}
