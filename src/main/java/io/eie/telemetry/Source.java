package io.eie.telemetry;

import java.util.Locale;

/** The door a payload came in by. */
public enum Source {
    MQTT,
    HTTP;

    /** The name stored and shown: {@code mqtt} or {@code http}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
