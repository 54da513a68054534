package io.eie.config;

import io.eie.units.Durations;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code EIE_*} variables: every value checked, every problem collected rather than thrown,
 * and what was used (secrets masked) remembered for the start-up log.
 */
final class Env {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|kib|mb|mib|gb|gib)?");

    private final Map<String, String> variables;
    private final List<String> problems = new ArrayList<>();
    private final Map<String, String> effective = new TreeMap<>();

    Env(Map<String, String> variables) {
        this.variables = variables;
    }

    List<String> problems() {
        return problems;
    }

    /** Every setting read, as {@code NAME -> value}, secrets masked, defaults marked. */
    Map<String, String> effective() {
        return effective;
    }

    void problem(String message) {
        problems.add(message);
    }

    Optional<String> optional(String name) {
        String value = variables.get(name);
        if (value == null || value.isBlank()) {
            effective.put(name, "(not set)");
            return Optional.empty();
        }
        effective.put(name, value.trim());
        return Optional.of(value.trim());
    }

    Optional<String> secret(String name) {
        Optional<String> value = optional(name);
        value.ifPresent(v -> effective.put(name, "****"));
        return value;
    }

    /** Marks a value as containing a secret that must not be logged (a URL with a password, say). */
    void mask(String name, String shown) {
        effective.put(name, shown);
    }

    String string(String name, String fallback) {
        return optional(name).orElseGet(() -> defaulted(name, fallback));
    }

    int integer(String name, int fallback, int min, int max) {
        Optional<String> value = optional(name);
        if (value.isEmpty()) {
            return Integer.parseInt(defaulted(name, Integer.toString(fallback)));
        }
        try {
            int parsed = Integer.parseInt(value.get().replace("_", ""));
            if (parsed < min || parsed > max) {
                problem(name + " must be between " + min + " and " + max + ", not " + parsed);
            }
            return parsed;
        } catch (NumberFormatException e) {
            problem(name + " must be a whole number, not \"" + value.get() + "\"");
            return fallback;
        }
    }

    BigDecimal decimal(String name, String fallback, BigDecimal min, BigDecimal max) {
        Optional<String> value = optional(name);
        if (value.isEmpty()) {
            return new BigDecimal(defaulted(name, fallback));
        }
        try {
            BigDecimal parsed = new BigDecimal(value.get());
            if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
                problem(name + " must be between " + min.toPlainString() + " and " + max.toPlainString()
                        + ", not " + parsed.toPlainString());
            }
            return parsed;
        } catch (NumberFormatException e) {
            problem(name + " must be a number, not \"" + value.get() + "\"");
            return new BigDecimal(fallback);
        }
    }

    Duration duration(String name, Duration fallback, Duration min, Duration max) {
        Optional<String> value = optional(name);
        if (value.isEmpty()) {
            defaulted(name, Durations.format(fallback));
            return fallback;
        }
        Optional<Duration> parsed = Durations.parse(value.get());
        if (parsed.isEmpty()) {
            problem(name + " must be a duration such as 250ms, 30s, 5m, 1h or 90d, not \"" + value.get() + "\"");
            return fallback;
        }
        if (parsed.get().compareTo(min) < 0 || parsed.get().compareTo(max) > 0) {
            problem(name + " must be between " + Durations.format(min) + " and " + Durations.format(max)
                    + ", not " + value.get());
        }
        return parsed.get();
    }

    /** A size in bytes: {@code 5MB}, {@code 512KiB}, {@code 1048576}. */
    long bytes(String name, long fallback, long min, long max) {
        Optional<String> value = optional(name);
        if (value.isEmpty()) {
            defaulted(name, fallback + " bytes");
            return fallback;
        }
        Matcher matcher = SIZE.matcher(value.get().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            problem(name + " must be a size such as 5MB, 512KB or 1048576, not \"" + value.get() + "\"");
            return fallback;
        }
        long unit = switch (matcher.group(2) == null ? "b" : matcher.group(2)) {
            case "kb", "kib" -> 1024L;
            case "mb", "mib" -> 1024L * 1024;
            case "gb", "gib" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        long parsed;
        try {
            parsed = Math.multiplyExact(Long.parseLong(matcher.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            problem(name + " is too large: " + value.get());
            return fallback;
        }
        if (parsed < min || parsed > max) {
            problem(name + " must be between " + min + " and " + max + " bytes, not " + parsed);
        }
        return parsed;
    }

    private String defaulted(String name, String fallback) {
        effective.put(name, fallback + " (default)");
        return fallback;
    }
}
