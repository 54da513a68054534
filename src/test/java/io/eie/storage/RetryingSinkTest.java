package io.eie.storage;

import static io.eie.storage.RecordingSink.reading;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryingSinkTest {

    private final RecordingSink sink = new RecordingSink();
    private final RetryingSink retrying = new RetryingSink(sink, Duration.ofMillis(200));

    @Test
    void retries_while_the_database_fails_and_completes_only_after_the_commit() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        CountDownLatch recover = new CountDownLatch(1);
        sink.failure = batch -> {
            if (recover.getCount() > 0) {
                attempts.incrementAndGet();
                return new RuntimeException(new SQLTransientConnectionException("connection refused", "08001"));
            }
            return null;
        };

        CompletableFuture<List<Outcome>> done = CompletableFuture.supplyAsync(() -> retrying.write(List.of(reading(1))));
        await().atMost(Duration.ofSeconds(5)).until(() -> attempts.get() >= 3);
        assertThat(done).isNotDone();
        assertThat(retrying.storageAvailable()).isFalse();

        recover.countDown();
        assertThat(done.get(10, TimeUnit.SECONDS)).containsExactly(Outcome.STORED);
        assertThat(retrying.storageAvailable()).isTrue();
        assertThat(sink.readingsWritten()).isEqualTo(attempts.get() + 1);
    }

    @Test
    void keeps_writing_after_an_unexpected_error_and_acknowledges_nothing_until_it_commits() {
        AtomicInteger failures = new AtomicInteger();
        sink.failure = batch -> {
            if (failures.getAndIncrement() < 2) {
                throw new OutOfMemoryError("simulated");
            }
            return null;
        };

        List<Outcome> outcomes = retrying.write(List.of(reading(1)));

        assertThat(outcomes).containsExactly(Outcome.STORED);
        assertThat(failures.get()).isEqualTo(3);
        assertThat(retrying.write(List.of(reading(2)))).containsExactly(Outcome.STORED);
    }

    @Test
    void retries_a_batch_aborted_by_a_conflict_with_another_without_reporting_an_outage() {
        AtomicInteger deadlocks = new AtomicInteger();
        sink.failure = batch -> deadlocks.getAndIncrement() < 3
                ? new RuntimeException(new SQLException("deadlock detected", "40P01"))
                : null;

        List<Outcome> outcomes = retrying.write(List.of(reading(1)));

        assertThat(outcomes).containsExactly(Outcome.STORED);
        assertThat(deadlocks.get()).isEqualTo(4);
        assertThat(retrying.storageAvailable()).isTrue();
        assertThat(sink.batches.stream().flatMap(List::stream).filter(Write.RecordRejection.class::isInstance)).isEmpty();
    }

    @Test
    void tries_a_batch_that_fails_on_its_data_once_more_then_passes_the_failure_on() {
        sink.failure = batch -> new RuntimeException(new SQLException("new row violates check constraint", "23514"));

        assertThatThrownBy(() -> retrying.write(List.of(reading(1))))
                .satisfies(failure -> assertThat(RetryingSink.isDataError(failure)).isTrue());
        assertThat(sink.batches).hasSize(2);
        assertThat(retrying.storageAvailable()).isTrue();
    }

    @Test
    void gives_up_on_a_failing_database_once_the_writer_is_closing() {
        sink.failure = batch -> new RuntimeException(new SQLTransientConnectionException("connection refused", "08001"));
        retrying.giveUpAfter(System.nanoTime() + Duration.ofMillis(300).toNanos());

        assertThatThrownBy(() -> retrying.write(List.of(reading(1)))).isInstanceOf(RetryingSink.GaveUp.class)
                .hasMessageContaining("connection refused");
        assertThat(sink.batches).hasSizeGreaterThan(1);
        assertThat(retrying.storageAvailable()).isFalse();
    }
}
