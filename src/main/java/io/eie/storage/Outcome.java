package io.eie.storage;

import io.eie.telemetry.Problem;
import java.util.List;

/** What became of one write once its batch committed. */
public record Outcome(Status status, List<Problem> problems) {

    public enum Status {
        /** A new history row. */
        STORED,
        /** The same device and timestamp were already stored; nothing changed. */
        DUPLICATE,
        /** Recorded in {@code rejected_telemetry}, with these problems. */
        REJECTED
    }

    public static final Outcome STORED = new Outcome(Status.STORED, List.of());
    public static final Outcome DUPLICATE = new Outcome(Status.DUPLICATE, List.of());

    public Outcome {
        problems = List.copyOf(problems);
    }

    public static Outcome rejected(List<Problem> problems) {
        return new Outcome(Status.REJECTED, problems);
    }
}
