package io.eie.telemetry;

/**
 * One reason a payload was refused.
 *
 * @param field   the JSON field it is about, or {@code null} when it is about the payload as a whole
 * @param message a sentence a person can act on
 */
public record Problem(String field, String message) {

    public static Problem ofPayload(String message) {
        return new Problem(null, message);
    }
}
