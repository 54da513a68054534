package io.eie.units;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Durations as people write them in configuration and on command lines, and read them in
 * messages: {@code 90d}, {@code 5m}, {@code 1h30m}, {@code 250ms}. One source for the engine and
 * the device simulator, so that both read and write them alike.
 */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|d|h|m|s)");

    private Durations() {
    }

    /** Reads {@code 90d}, {@code 1h30m}, {@code 250ms}, {@code 0}, or an ISO-8601 {@code PT5M}. */
    public static Optional<Duration> parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.equals("0")) {
            return Optional.of(Duration.ZERO);
        }
        if (value.startsWith("p")) {
            try {
                return Optional.of(Duration.parse(value.toUpperCase(Locale.ROOT)));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }
        Matcher matcher = PART.matcher(value);
        Duration total = Duration.ZERO;
        int end = 0;
        try {
            while (matcher.find() && matcher.start() == end) {
                long amount = Long.parseLong(matcher.group(1));
                total = total.plus(switch (matcher.group(2)) {
                    case "d" -> Duration.ofDays(amount);
                    case "h" -> Duration.ofHours(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    default -> Duration.ofMillis(amount);
                });
                end = matcher.end();
            }
        } catch (NumberFormatException | ArithmeticException tooLarge) {
            return Optional.empty();
        }
        return end > 0 && end == value.length() ? Optional.of(total) : Optional.empty();
    }

    /** The shortest exact form: {@code 90d}, {@code 1h30m}, {@code 250ms}, {@code 0s}. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        if (duration.isNegative()) {
            return "-" + format(duration.negated());
        }
        StringBuilder text = new StringBuilder();
        append(text, duration.toDays(), "d");
        append(text, duration.toHoursPart(), "h");
        append(text, duration.toMinutesPart(), "m");
        append(text, duration.toSecondsPart(), "s");
        append(text, duration.toMillisPart(), "ms");
        return text.length() == 0 ? duration.toNanos() + "ns" : text.toString();
    }

    private static void append(StringBuilder text, long amount, String unit) {
        if (amount != 0) {
            text.append(amount).append(unit);
        }
    }

    /** For picocli options: {@code converter = Durations.Converter.class}. */
    public static final class Converter implements CommandLine.ITypeConverter<Duration> {

        @Override
        public Duration convert(String text) {
            return parse(text).orElseThrow(() -> new CommandLine.TypeConversionException(
                    "not a duration such as 60s, 5m, 24h, 1h30m or 250ms: " + text));
        }
    }
}
