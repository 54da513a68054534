package io.eie.telemetry;

import java.util.List;

/** What a payload became: a valid reading, or every reason it is not one. */
public sealed interface ParseResult permits ParseResult.Valid, ParseResult.Invalid {

    record Valid(Reading reading) implements ParseResult {
    }

    /**
     * @param kind     the kind of device it came from, when that can be told (from its topic or its
     *                 fields); {@code null} otherwise
     * @param deviceId the device the payload names, when it names one in a usable form (for the
     *                 dead-letter record); {@code null} otherwise
     */
    record Invalid(DeviceKind kind, String deviceId, List<Problem> problems) implements ParseResult {
        public Invalid {
            problems = List.copyOf(problems);
        }
    }
}
