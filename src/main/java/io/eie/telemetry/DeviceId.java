package io.eie.telemetry;

import java.util.Optional;

/**
 * A device's id, which keeps one rule wherever it appears (an MQTT topic, a payload, a URL, a
 * request body): 1 to 64 characters from {@code A-Z a-z 0-9 . _ : -}. Such an id is safe in a
 * topic, a path segment, a log line and a database key alike.
 */
public record DeviceId(String value) {

    public static final int MAX_LENGTH = 64;
    private static final String RULE = "must be a string of 1 to " + MAX_LENGTH + " characters from A-Z a-z 0-9 . _ : -";

    public DeviceId {
        if (!isValid(value)) {
            throw new IllegalArgumentException(problem("a device id"));
        }
    }

    /** The id, when {@code text} keeps the rule. */
    public static Optional<DeviceId> of(String text) {
        return isValid(text) ? Optional.of(new DeviceId(text)) : Optional.empty();
    }

    public static boolean isValid(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /**
     * The sentence that says what an id must be, about the thing named: {@code problem("meterId")}
     * is {@code "meterId must be a string of 1 to 64 characters from A-Z a-z 0-9 . _ : -"}.
     */
    public static String problem(String named) {
        return named + " " + RULE;
    }

    @Override
    public String toString() {
        return value;
    }
}
