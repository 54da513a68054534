package io.eie.storage;

import io.eie.telemetry.Problem;
import io.eie.telemetry.Rejection;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one bad row from holding back its batch: a batch that fails because of its data (see
 * {@link RetryingSink#isDataError}) is split in halves until the rows that fail stand alone; each
 * of those is recorded as rejected in its place, with the database's reason, and the rest are
 * written. A refused payload whose record the database will not take either (its topic or
 * reasons may be what it refuses) is recorded bare: its payload and a fixed reason.
 */
public final class IsolatingSink implements BatchSink {

    private static final Logger log = LoggerFactory.getLogger(IsolatingSink.class);
    /** The reasons kept for a refused payload whose own reasons the database would not store. */
    private static final List<Problem> UNSTORABLE_REASONS =
            List.of(Problem.ofPayload("refused; the reasons could not be stored (see the engine's log)"));

    private final BatchSink sink;

    public IsolatingSink(BatchSink sink) {
        this.sink = sink;
    }

    @Override
    public void giveUpAfter(long deadlineNanos) {
        sink.giveUpAfter(deadlineNanos);
    }

    @Override
    public List<Outcome> write(List<Write> batch) {
        try {
            return sink.write(batch);
        } catch (RuntimeException e) {
            if (!RetryingSink.isDataError(e)) {
                throw e;
            }
            return isolate(batch, e);
        }
    }

    /**
     * Splits a batch that failed on its data until each failing write stands alone. The halves
     * commit one after the other; should a later one fail for another reason (the writer gave up
     * at shutdown), what committed before it is still reported ({@link PartiallyCommitted}).
     */
    private List<Outcome> isolate(List<Write> batch, RuntimeException cause) {
        if (batch.size() > 1) {
            int half = batch.size() / 2;
            Outcome[] outcomes = new Outcome[batch.size()];
            int offset = 0;
            try {
                copy(write(batch.subList(0, half)), outcomes, 0);
                offset = half;
                copy(write(batch.subList(half, batch.size())), outcomes, half);
            } catch (PartiallyCommitted partly) {
                copy(partly.outcomes(), outcomes, offset);
                throw new PartiallyCommitted(Arrays.asList(outcomes), partly.getCause());
            } catch (RuntimeException notCommitted) {
                if (offset == 0) {
                    throw notCommitted;
                }
                throw new PartiallyCommitted(Arrays.asList(outcomes), notCommitted);
            }
            return List.of(outcomes);
        }
        Write write = batch.get(0);
        String reason = RetryingSink.rootMessage(cause);
        if (write instanceof Write.StoreReading store) {
            log.warn("Database refused the reading of {} at {}; recording it as rejected: {}",
                    store.reading().deviceId(), store.reading().timestamp(), reason);
            List<Problem> problems = List.of(Problem.ofPayload("the database refused it: " + reason));
            write(List.of(new Write.RecordRejection(Rejection.ofReading(store.envelope(), store.reading(), problems))));
            return List.of(Outcome.rejected(problems));
        }
        Rejection refused = ((Write.RecordRejection) write).rejection();
        if (refused.problems().equals(UNSTORABLE_REASONS)) {
            log.error("Database refused even the bare record of a rejected payload from {}; it is not recorded: {}",
                    refused.source().label(), reason);
        } else {
            log.warn("Database refused the record of a rejected payload from {} (device {}); recording it bare: {}",
                    refused.source().label(), refused.deviceId(), reason);
            write(List.of(new Write.RecordRejection(refused.bare(UNSTORABLE_REASONS))));
        }
        return List.of(Outcome.rejected(refused.problems()));
    }

    private static void copy(List<Outcome> from, Outcome[] to, int offset) {
        for (int i = 0; i < from.size(); i++) {
            to[offset + i] = from.get(i);
        }
    }

    /**
     * Part of a batch committed before the rest failed: {@code outcomes} holds, in batch order,
     * the outcome of each write that committed and {@code null} for each that did not.
     */
    static final class PartiallyCommitted extends RuntimeException {

        private final transient List<Outcome> outcomes;

        PartiallyCommitted(List<Outcome> outcomes, Throwable cause) {
            super("part of the batch was not committed: " + cause.getMessage(), cause);
            this.outcomes = outcomes;
        }

        List<Outcome> outcomes() {
            return outcomes;
        }
    }
}
