package io.eie.storage;

import static io.eie.storage.RecordingSink.reading;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eie.telemetry.DeviceKind;
import io.eie.telemetry.Envelope;
import io.eie.telemetry.Problem;
import io.eie.telemetry.Rejection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IsolatingSinkTest {

    private final RecordingSink sink = new RecordingSink();
    private final IsolatingSink isolating = new IsolatingSink(sink);

    @Test
    void splits_a_batch_that_fails_on_its_data_and_rejects_only_the_bad_row() {
        sink.failure = batch -> batch.stream().anyMatch(write -> write instanceof Write.StoreReading store
                && store.reading().deviceId().equals("M13"))
                ? new RuntimeException(new SQLException("new row violates check constraint", "23514"))
                : null;
        List<Write> batch = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            batch.add(reading(i));
        }

        List<Outcome> outcomes = isolating.write(batch);

        assertThat(outcomes).hasSize(40);
        for (int i = 0; i < 40; i++) {
            Outcome outcome = outcomes.get(i);
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
    void records_a_rejection_bare_when_the_database_refuses_its_reasons() {
        sink.failure = batch -> batch.stream().anyMatch(write -> write instanceof Write.RecordRejection record
                && record.rejection().topic() != null)
                ? new RuntimeException(new SQLException("unsupported Unicode escape sequence", "22P05"))
                : null;
        List<Problem> problems = List.of(Problem.ofPayload("the payload is not valid JSON"));
        Envelope message = Envelope.mqtt("meters/M1", new byte[] {1, 2}, Instant.parse("2026-02-10T10:00:01Z"));
        Write refused = new Write.RecordRejection(new Rejection(message, DeviceKind.METER, "M1", message.payload(), problems));

        List<Outcome> outcomes = isolating.write(List.of(refused));

        assertThat(outcomes).containsExactly(Outcome.rejected(problems));
        Write.RecordRejection recorded = (Write.RecordRejection) sink.batches.get(sink.batches.size() - 1).get(0);
        assertThat(recorded.rejection().topic()).isNull();
        assertThat(recorded.rejection().payload()).containsExactly(1, 2);
        assertThat(recorded.rejection().problems().get(0).message()).contains("the reasons could not be stored");
    }

    @Test
    void passes_on_a_failure_that_is_not_the_data_s_without_splitting() {
        sink.failure = batch -> new RuntimeException(new SQLTransientConnectionException("connection refused", "08001"));

        assertThatThrownBy(() -> isolating.write(List.of(reading(1), reading(2)))).hasMessageContaining("connection refused");
        assertThat(sink.batches).hasSize(1);
    }

    @Test
    void reports_what_committed_when_the_rest_of_a_split_batch_cannot_be() {
        sink.failure = batch -> {
            boolean bad = batch.stream().anyMatch(write -> write instanceof Write.StoreReading store
                    && store.reading().deviceId().equals("M1"));
            boolean late = batch.stream().anyMatch(write -> write instanceof Write.StoreReading store
                    && store.reading().deviceId().equals("M3"));
            if (late && batch.size() <= 2) {
                return new IllegalStateException("gave up: the writer is stopping");
            }
            return bad ? new RuntimeException(new SQLException("new row violates check constraint", "23514")) : null;
        };

        assertThatThrownBy(() -> isolating.write(List.of(reading(0), reading(1), reading(2), reading(3))))
                .isInstanceOfSatisfying(IsolatingSink.PartiallyCommitted.class, partly -> {
                    assertThat(partly.outcomes()).hasSize(4);
                    assertThat(partly.outcomes().get(0)).isEqualTo(Outcome.STORED);
                    assertThat(partly.outcomes().get(1).status()).isEqualTo(Outcome.Status.REJECTED);
                    assertThat(partly.outcomes().subList(2, 4)).containsOnlyNulls();
                    assertThat(partly.getCause()).hasMessageContaining("gave up");
                });
    }
}
