package io.eie.storage;

import io.eie.telemetry.Reading;
import io.eie.telemetry.Rejection;
import io.eie.telemetry.Source;
import java.time.Instant;

/** One thing for the batch writer to commit: a reading to store, or a refused payload to record. */
public sealed interface Write permits Write.StoreReading, Write.RecordRejection {

    /**
     * @param topic the MQTT topic it came from; {@code null} over HTTP
     */
    record StoreReading(Reading reading, Source source, String topic, Instant receivedAt) implements Write {
    }

    record RecordRejection(Rejection rejection) implements Write {
    }
}
