package io.eie.storage;

import io.eie.telemetry.Envelope;
import io.eie.telemetry.Reading;
import io.eie.telemetry.Rejection;
import io.eie.telemetry.Source;
import java.time.Instant;

/** One thing for the batch writer to commit: a reading to store, or a refused payload to record. */
public sealed interface Write permits Write.StoreReading, Write.RecordRejection {

    /** @param envelope what the reading came in: its door, topic and time of receipt */
    record StoreReading(Reading reading, Envelope envelope) implements Write {

        public Source source() {
            return envelope.source();
        }

        public Instant receivedAt() {
            return envelope.receivedAt();
        }
    }

    record RecordRejection(Rejection rejection) implements Write {
    }
}
