package io.eie.alarms;

import java.util.Arrays;
import java.util.Optional;

/** What an alarm is about, and the unit of the value it measures. */
public enum AlarmRule {
    /** A vehicle's linked DC ÷ AC over the trailing window below the efficiency threshold. */
    LOW_EFFICIENCY("low_efficiency", "ratio"),
    /** A vehicle's linked DC above its AC beyond the tolerance: a wrong link or a faulty meter. */
    IMPOSSIBLE_EFFICIENCY("impossible_efficiency", "ratio"),
    /** A device heard within the last day, and not for longer than the silence allowed. */
    SILENT("silent", "seconds"),
    /** A vehicle's battery above the temperature allowed for several readings in a row. */
    BATTERY_TEMPERATURE("battery_temperature", "celsius");

    private final String label;
    private final String unit;

    AlarmRule(String label, String unit) {
        this.label = label;
        this.unit = unit;
    }

    /** As the API and the database name it, such as {@code low_efficiency}. */
    public String label() {
        return label;
    }

    /** The unit of the alarm's values: {@code ratio}, {@code seconds} or {@code celsius}. */
    public String unit() {
        return unit;
    }

    public static Optional<AlarmRule> fromLabel(String label) {
        return Arrays.stream(values()).filter(rule -> rule.label.equals(label)).findFirst();
    }
}
