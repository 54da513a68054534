package io.eie.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import io.eie.units.Durations;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * Turns payload bytes into a {@link Reading} or into every reason they are not one. The same
 * rules apply to MQTT and HTTP; nothing here does I/O, and nothing here throws on bad input.
 */
public final class ReadingParser {

    private static final int MAX_DECIMAL_PLACES = 18;
    private static final String TIMESTAMP_EXAMPLE = "\"2026-02-10T10:00:00Z\"";

    private static final BigDecimal SOC_MIN = BigDecimal.ZERO;
    private static final BigDecimal SOC_MAX = BigDecimal.valueOf(100);
    private static final BigDecimal VOLTAGE_MAX = BigDecimal.valueOf(1000);
    private static final BigDecimal TEMP_MIN = BigDecimal.valueOf(-40);
    private static final BigDecimal TEMP_MAX = BigDecimal.valueOf(100);

    private final ValidationRules rules;
    private final Clock clock;
    private final BiPredicate<DeviceKind, String> reportsRegister;

    /** A parser for a fleet in which every device reports the energy of each interval. */
    public ReadingParser(ValidationRules rules, Clock clock) {
        this(rules, clock, (kind, id) -> false);
    }

    /**
     * @param reportsRegister whether a device reports a cumulative register ({@link EnergyMode}),
     *                        whose readings are held to {@link ValidationRules#maxRegisterKwh()}
     *                        rather than to the ceiling of one interval's energy
     */
    public ReadingParser(ValidationRules rules, Clock clock, BiPredicate<DeviceKind, String> reportsRegister) {
        this.rules = rules;
        this.clock = clock;
        this.reportsRegister = reportsRegister;
    }

    /**
     * Reads one payload.
     *
     * @param topicDevice the device its MQTT topic names, or {@code null} when it came without one
     */
    public ParseResult parse(byte[] payload, DeviceRef topicDevice) {
        JsonText text = StrictJson.read(payload);
        if (text instanceof JsonText.Malformed malformed) {
            return new ParseResult.Invalid(topicDevice == null ? null : topicDevice.kind(),
                    topicDevice == null ? null : usableId(topicDevice.id()), List.of(Problem.ofPayload(malformed.reason())));
        }
        return parse(((JsonText.Tree) text).root(), topicDevice);
    }

    /** Reads one reading that arrived without a topic (HTTP). */
    public ParseResult parse(JsonNode node) {
        return parse(node, null);
    }

    /**
     * Reads one reading.
     *
     * @param topicDevice the device its topic names, or {@code null} when it came without one
     */
    public ParseResult parse(JsonNode node, DeviceRef topicDevice) {
        String topicId = topicDevice == null ? null : usableId(topicDevice.id());
        DeviceKind topicKind = topicDevice == null ? null : topicDevice.kind();
        if (!node.isObject()) {
            return new ParseResult.Invalid(topicKind, topicId,
                    List.of(Problem.ofPayload("a reading must be a JSON object, not " + describeType(node))));
        }
        List<Problem> problems = new ArrayList<>();
        DeviceKind kind = kindOf(node, topicDevice, problems);
        Instant timestamp = timestamp(node, problems);
        if (kind == null) {
            return new ParseResult.Invalid(topicKind, topicId != null ? topicId : anyUsableId(node), problems);
        }
        String id = deviceId(node, kind, topicDevice, problems);
        Reading reading = switch (kind) {
            case METER -> meter(node, id, timestamp, problems);
            case VEHICLE -> vehicle(node, id, timestamp, problems);
        };
        return problems.isEmpty() ? new ParseResult.Valid(reading) : new ParseResult.Invalid(kind, id, problems);
    }

    private MeterReading meter(JsonNode node, String id, Instant timestamp, List<Problem> problems) {
        BigDecimal kwhConsumedAc = energy(node, "kwhConsumedAc", DeviceKind.METER, id, problems);
        BigDecimal voltage = number(node, "voltage", problems);
        if (voltage != null) {
            if (voltage.signum() <= 0) {
                problems.add(new Problem("voltage", "voltage must be greater than 0 V"));
            } else if (voltage.compareTo(VOLTAGE_MAX) > 0) {
                problems.add(new Problem("voltage", "voltage must be at most 1000 V"));
            }
        }
        return problems.isEmpty() ? new MeterReading(id, timestamp, kwhConsumedAc, toDouble(voltage)) : null;
    }

    private VehicleReading vehicle(JsonNode node, String id, Instant timestamp, List<Problem> problems) {
        BigDecimal soc = between(node, "soc", SOC_MIN, SOC_MAX, "%", problems);
        BigDecimal kwhDeliveredDc = energy(node, "kwhDeliveredDc", DeviceKind.VEHICLE, id, problems);
        BigDecimal batteryTemp = between(node, "batteryTemp", TEMP_MIN, TEMP_MAX, " °C", problems);
        return problems.isEmpty()
                ? new VehicleReading(id, timestamp, toDouble(soc), kwhDeliveredDc, toDouble(batteryTemp))
                : null;
    }

    /** The kind of device the reading is from, or {@code null} when that cannot be told. */
    private static DeviceKind kindOf(JsonNode node, DeviceRef topicDevice, List<Problem> problems) {
        DeviceKind declared = null;
        JsonNode type = node.get("type");
        if (type != null && !type.isNull()) {
            declared = type.isTextual() ? DeviceKind.fromTypeName(type.textValue()).orElse(null) : null;
            if (declared == null) {
                problems.add(new Problem("type", "type must be \"meter\" or \"vehicle\""));
            }
        }
        boolean hasMeterId = node.hasNonNull(DeviceKind.METER.idField());
        boolean hasVehicleId = node.hasNonNull(DeviceKind.VEHICLE.idField());
        if (hasMeterId && hasVehicleId) {
            problems.add(Problem.ofPayload("a reading carries either meterId or vehicleId, not both"));
            return null;
        }
        DeviceKind carried = hasMeterId ? DeviceKind.METER : hasVehicleId ? DeviceKind.VEHICLE : null;
        if (declared != null && carried != null && declared != carried) {
            problems.add(new Problem("type",
                    "type is \"" + declared.typeName() + "\" but the reading carries " + carried.idField()));
            return null;
        }
        DeviceKind stated = declared != null ? declared : carried;
        if (topicDevice != null) {
            if (stated != null && stated != topicDevice.kind()) {
                problems.add(new Problem(declared != null ? "type" : carried.idField(),
                        "a " + stated.typeName() + " reading cannot be published to a "
                                + topicDevice.kind().topicSegment() + "/ topic"));
                return null;
            }
            return topicDevice.kind();
        }
        if (stated == null && declared == null && (type == null || type.isNull())) {
            problems.add(Problem.ofPayload("a reading needs a meterId (meter) or a vehicleId (vehicle)"));
        }
        return stated;
    }

    private static String deviceId(JsonNode node, DeviceKind kind, DeviceRef topicDevice, List<Problem> problems) {
        String field = kind.idField();
        JsonNode value = node.get(field);
        boolean given = value != null && !value.isNull();
        boolean givenValid = given && value.isTextual() && DeviceId.isValid(value.textValue());
        if (given && !givenValid) {
            problems.add(new Problem(field, DeviceId.problem(field)));
        }
        if (topicDevice == null) {
            if (!given) {
                problems.add(new Problem(field, field + " is required"));
            }
            return givenValid ? value.textValue() : null;
        }
        String topicId = topicDevice.id();
        if (topicId.isEmpty()) {
            problems.add(new Problem("topic", "the topic has no device id after \"" + kind.topicSegment() + "/\""));
            return null;
        }
        if (!DeviceId.isValid(topicId)) {
            problems.add(new Problem("topic", DeviceId.problem("the device id in the topic")));
            return null;
        }
        if (givenValid && !value.textValue().equals(topicId)) {
            problems.add(new Problem(field,
                    field + " \"" + value.textValue() + "\" differs from the topic's device id \"" + topicId + "\""));
        }
        return topicId;
    }

    private Instant timestamp(JsonNode node, List<Problem> problems) {
        JsonNode value = node.get("timestamp");
        if (value == null || value.isNull()) {
            problems.add(new Problem("timestamp", "timestamp is required"));
            return null;
        }
        if (!value.isTextual()) {
            problems.add(new Problem("timestamp", "timestamp must be an ISO-8601 string with a zone offset, such as "
                    + TIMESTAMP_EXAMPLE + ", not " + describeType(value)));
            return null;
        }
        Instant timestamp;
        try {
            timestamp = OffsetDateTime.parse(value.textValue(), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant()
                    .truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            problems.add(new Problem("timestamp",
                    "timestamp must be an ISO-8601 date-time with a zone offset, such as " + TIMESTAMP_EXAMPLE));
            return null;
        }
        Instant now = clock.instant();
        if (timestamp.isAfter(now.plus(rules.maxFutureSkew()))) {
            Duration ahead = Duration.between(now, timestamp).truncatedTo(ChronoUnit.SECONDS);
            problems.add(new Problem("timestamp", "timestamp is " + Durations.format(ahead)
                    + " ahead of the engine's clock; at most " + Durations.format(rules.maxFutureSkew()) + " is accepted"));
        } else if (timestamp.isBefore(now.minus(rules.retention()))) {
            problems.add(new Problem("timestamp",
                    "timestamp is older than the retention window of " + Durations.format(rules.retention())));
        }
        return timestamp;
    }

    private BigDecimal energy(JsonNode node, String field, DeviceKind kind, String id, List<Problem> problems) {
        BigDecimal value = number(node, field, problems);
        if (value == null) {
            return null;
        }
        boolean register = id != null && reportsRegister.test(kind, id);
        if (value.signum() < 0) {
            problems.add(new Problem(field, field + " must not be negative"));
        } else if (register && value.compareTo(rules.maxRegisterKwh()) > 0) {
            problems.add(new Problem(field, field + " must be at most " + rules.maxRegisterKwh().toPlainString()
                    + " kWh for a register"));
        } else if (!register && value.compareTo(rules.maxKwhPerReading()) > 0) {
            problems.add(new Problem(field,
                    field + " must be at most " + rules.maxKwhPerReading().toPlainString() + " kWh for one reading"));
        } else if (value.scale() > MAX_DECIMAL_PLACES) {
            problems.add(new Problem(field, field + " has more than " + MAX_DECIMAL_PLACES + " decimal places"));
        }
        return value;
    }

    private static BigDecimal between(JsonNode node, String field, BigDecimal min, BigDecimal max, String unit,
                                      List<Problem> problems) {
        BigDecimal value = number(node, field, problems);
        if (value != null && (value.compareTo(min) < 0 || value.compareTo(max) > 0)) {
            problems.add(new Problem(field, field + " must be between " + min + " and " + max + unit));
        }
        return value;
    }

    /** A field that must hold a finite JSON number, as an exact decimal; {@code null} when it does not. */
    private static BigDecimal number(JsonNode node, String field, List<Problem> problems) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            problems.add(new Problem(field, field + " is required"));
            return null;
        }
        if (!value.isNumber()) {
            problems.add(new Problem(field, field + " must be a JSON number, not " + describeType(value)));
            return null;
        }
        if ((value.isDouble() || value.isFloat()) && !Double.isFinite(value.doubleValue())) {
            problems.add(new Problem(field, field + " must be a finite number, not " + value.asText()));
            return null;
        }
        return value.decimalValue();
    }

    private static double toDouble(BigDecimal value) {
        return value.doubleValue() + 0.0; // + 0.0 turns -0.0 into 0.0
    }

    private static String usableId(String id) {
        return DeviceId.isValid(id) ? id : null;
    }

    private static String anyUsableId(JsonNode node) {
        for (DeviceKind kind : DeviceKind.values()) {
            JsonNode value = node.get(kind.idField());
            if (value != null && value.isTextual() && DeviceId.isValid(value.textValue())) {
                return value.textValue();
            }
        }
        return null;
    }

    private static String describeType(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> "a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
