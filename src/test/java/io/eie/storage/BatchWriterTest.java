package io.eie.storage;

import static io.eie.storage.RecordingSink.reading;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BatchWriterTest {

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
    void fails_the_writes_of_a_batch_the_sink_gave_up_on_and_goes_on_with_the_next() throws Exception {
        writer = new BatchWriter(settings(10, 1000, Duration.ZERO), sink, WriterMetrics.unregistered());
        sink.failure = batch -> batch.stream().anyMatch(write -> write instanceof Write.StoreReading store
                && store.reading().deviceId().equals("M1")) ? new IllegalStateException("gave up") : null;

        CompletableFuture<Outcome> givenUp = writer.submit(reading(1));

        assertThatThrownBy(() -> givenUp.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
        assertThat(writer.submit(reading(2)).get(5, TimeUnit.SECONDS)).isEqualTo(Outcome.STORED);
    }

    @Test
    void completes_what_committed_of_a_batch_and_fails_only_the_rest() throws Exception {
        BatchSink partly = batch -> {
            throw new IsolatingSink.PartiallyCommitted(java.util.Arrays.asList(Outcome.STORED, null),
                    new IllegalStateException("gave up"));
        };
        writer = new BatchWriter(settings(10, 1000, Duration.ZERO), partly, WriterMetrics.unregistered());

        List<CompletableFuture<Outcome>> futures = writer.trySubmit(List.of(reading(1), reading(2))).orElseThrow();

        assertThat(futures.get(0).get(5, TimeUnit.SECONDS)).isEqualTo(Outcome.STORED);
        assertThatThrownBy(() -> futures.get(1).get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
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
}
