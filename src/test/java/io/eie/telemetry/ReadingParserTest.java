package io.eie.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The payload contract, by example: every file under {@code telemetry/valid} is a reading and
 * every file under {@code telemetry/invalid} is refused with the problems named here.
 */
class ReadingParserTest {

    /** The files' timestamps are 2026-02-10T10:00:00Z; the engine's clock reads five minutes later. */
    static final Instant NOW = Instant.parse("2026-02-10T10:05:00Z");

    private final ReadingParser parser = new ReadingParser(ValidationRules.DEFAULTS, Clock.fixed(NOW, ZoneOffset.UTC));

    @ParameterizedTest
    @ValueSource(strings = {"meter.json", "vehicle.json", "meter-with-type.json", "vehicle-with-type.json",
            "vehicle-extra-fields-and-offset.json", "meter-at-the-limits.json", "vehicle-at-the-limits.json"})
    void accepts_valid_payload(String file) {
        ParseResult result = parser.parse(payload("valid/" + file), null);

        assertThat(result).as(file).isInstanceOf(ParseResult.Valid.class);
    }

    @Test
    void reads_a_meter_reading_exactly() {
        Reading reading = valid(parser.parse(payload("valid/meter.json"), null));

        assertThat(reading).isEqualTo(new MeterReading("M2001", Instant.parse("2026-02-10T10:00:00Z"),
                new BigDecimal("13.2"), 230.0));
    }

    @Test
    void reads_a_vehicle_reading_exactly() {
        Reading reading = valid(parser.parse(payload("valid/vehicle-extra-fields-and-offset.json"), null));

        assertThat(reading).isEqualTo(new VehicleReading("fleet-7:car_12.a", Instant.parse("2026-02-10T10:00:00Z"),
                55.5, new BigDecimal("0.125"), -3.0));
    }

    @ParameterizedTest(name = "{0} is refused for {1}")
    @CsvSource(delimiter = '|', textBlock = """
            soc-above-100.json               | soc
            soc-negative.json                | soc
            energy-negative.json             | kwhConsumedAc
            energy-above-ceiling.json        | kwhDeliveredDc
            energy-1e400.json                | kwhConsumedAc
            energy-huge-integer.json         | kwhConsumedAc
            soc-huge-integer.json            | soc
            energy-too-precise.json          | kwhConsumedAc
            voltage-zero.json                | voltage
            voltage-above-1000.json          | voltage
            battery-too-cold.json            | batteryTemp
            battery-too-hot.json             | batteryTemp
            number-as-string.json            | soc
            number-as-boolean.json           | kwhConsumedAc
            nan.json                         | kwhDeliveredDc
            infinity.json                    | voltage
            array-in-field.json              | soc
            timestamp-without-zone.json      | timestamp
            timestamp-as-epoch.json          | timestamp
            timestamp-not-a-date.json        | timestamp
            timestamp-year-10000.json        | timestamp
            timestamp-a-day-ahead.json       | timestamp
            timestamp-before-retention.json  | timestamp
            timestamp-missing.json           | timestamp
            both-ids.json                    | (payload)
            no-id.json                       | (payload)
            type-contradicts-fields.json     | type
            type-unknown.json                | type
            type-without-id.json             | meterId
            id-empty.json                    | meterId
            id-too-long.json                 | vehicleId
            id-with-slash.json               | meterId
            id-with-sql.json                 | meterId
            id-not-a-string.json             | vehicleId
            every-field-missing.json         | timestamp, soc, kwhDeliveredDc, batteryTemp
            many-problems.json               | timestamp, soc, kwhDeliveredDc, batteryTemp
            not-an-object.json               | (payload)
            null.json                        | (payload)
            duplicate-keys.json              | (payload)
            truncated.json                   | (payload)
            trailing-garbage.json            | (payload)
            exponent-overflow.json           | (payload)
            control-character.json           | (payload)
            """)
    void refuses_invalid_payload_naming_every_field_at_fault(String file, String fields) {
        ParseResult result = parser.parse(payload("invalid/" + file), null);

        assertThat(result).as(file).isInstanceOf(ParseResult.Invalid.class);
        List<Problem> problems = ((ParseResult.Invalid) result).problems();
        assertThat(problems).allSatisfy(problem -> assertThat(problem.message()).isNotBlank());
        assertThat(problems.stream().map(problem -> Objects.requireNonNullElse(problem.field(), "(payload)")))
                .containsExactlyInAnyOrder(fields.split(",\\s*"));
    }

    @Test
    void explains_a_timestamp_too_far_ahead_with_both_durations() {
        Problem problem = onlyProblem(parser.parse(payload("invalid/timestamp-a-day-ahead.json"), null));

        assertThat(problem.message()).isEqualTo("timestamp is 1d ahead of the engine's clock; at most 5m is accepted");
    }

    @Test
    void explains_a_duplicate_key_with_its_name_and_place() {
        Problem problem = onlyProblem(parser.parse(payload("invalid/duplicate-keys.json"), null));

        assertThat(problem.message()).contains("Duplicate field 'kwhConsumedAc'").contains("line 1");
    }

    @Test
    void quotes_control_characters_of_the_payload_as_escapes() {
        Problem problem = onlyProblem(parser.parse(payload("invalid/control-character.json"), null));

        assertThat(problem.message()).contains("tru\\u0000e").doesNotContain("\u0000");
    }

    @Test
    void takes_the_id_from_the_topic_when_the_payload_omits_it() {
        byte[] json = bytes("{\"kwhConsumedAc\": 1.5, \"voltage\": 229.5, \"timestamp\": \"2026-02-10T10:00:00Z\"}");

        Reading reading = valid(parser.parse(json, new DeviceRef(DeviceKind.METER, "M7")));

        assertThat(reading.deviceId()).isEqualTo("M7");
        assertThat(reading.kind()).isEqualTo(DeviceKind.METER);
    }

    @Test
    void rejects_a_payload_whose_id_differs_from_its_topic() {
        Problem problem = onlyProblem(parser.parse(payload("valid/meter.json"), new DeviceRef(DeviceKind.METER, "M9")));

        assertThat(problem).isEqualTo(new Problem("meterId", "meterId \"M2001\" differs from the topic's device id \"M9\""));
    }

    @Test
    void rejects_a_vehicle_payload_on_a_meter_topic() {
        ParseResult result = parser.parse(payload("valid/vehicle.json"), new DeviceRef(DeviceKind.METER, "V1001"));

        assertThat(onlyProblem(result)).isEqualTo(
                new Problem("vehicleId", "a vehicle reading cannot be published to a meters/ topic"));
    }

    @Test
    void rejects_a_type_that_contradicts_the_topic() {
        byte[] json = bytes("{\"type\": \"vehicle\", \"kwhConsumedAc\": 1, \"voltage\": 230, \"timestamp\": \"2026-02-10T10:00:00Z\"}");

        Problem problem = onlyProblem(parser.parse(json, new DeviceRef(DeviceKind.METER, "M1")));

        assertThat(problem.field()).isEqualTo("type");
    }

    @Test
    void rejects_a_topic_without_a_device_id() {
        Problem problem = onlyProblem(parser.parse(payload("valid/vehicle.json"), new DeviceRef(DeviceKind.VEHICLE, "")));

        assertThat(problem).isEqualTo(new Problem("topic", "the topic has no device id after \"vehicles/\""));
    }

    @Test
    void rejects_a_topic_id_with_characters_outside_the_id_rule() {
        ParseResult result = parser.parse(bytes("{\"soc\": 1, \"kwhDeliveredDc\": 0, \"batteryTemp\": 20, "
                + "\"timestamp\": \"2026-02-10T10:00:00Z\"}"), new DeviceRef(DeviceKind.VEHICLE, "car 1"));

        assertThat(onlyProblem(result).field()).isEqualTo("topic");
        assertThat(((ParseResult.Invalid) result).deviceId()).isNull();
    }

    @Test
    void keeps_the_device_id_of_an_invalid_reading_for_the_dead_letter_record() {
        ParseResult result = parser.parse(payload("invalid/soc-above-100.json"), null);

        assertThat(((ParseResult.Invalid) result).deviceId()).isEqualTo("V1001");
    }

    @ParameterizedTest(name = "the id \"{0}\" is refused")
    @ValueSource(strings = {"", "a+b", "a#b", "a/b", "a b", "a\"b", "a'b", "M1'; DROP TABLE meter_live_status; --",
            "é", "a\u0000b", "12345678901234567890123456789012345678901234567890123456789012345"})
    void refuses_ids_outside_the_id_rule(String id) {
        byte[] json = bytes("{\"meterId\": " + jsonString(id) + ", \"kwhConsumedAc\": 1, \"voltage\": 230, "
                + "\"timestamp\": \"2026-02-10T10:00:00Z\"}");

        Problem problem = onlyProblem(parser.parse(json, null));

        assertThat(problem).isEqualTo(new Problem("meterId", "meterId must be a string of 1 to 64 characters from A-Z a-z 0-9 . _ : -"));
    }

    @Test
    void refuses_deep_nesting_without_recursing_into_it() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        byte[] json = bytes("{\"vehicleId\": \"V1\", \"soc\": " + deep + ", \"kwhDeliveredDc\": 1, \"batteryTemp\": 20, "
                + "\"timestamp\": \"2026-02-10T10:00:00Z\"}");

        Problem problem = onlyProblem(parser.parse(json, null));

        assertThat(problem.field()).isNull();
        assertThat(problem.message()).startsWith("the payload is not valid JSON").contains("nesting depth");
    }

    @Test
    void refuses_an_empty_payload() {
        assertThat(onlyProblem(parser.parse(new byte[0], new DeviceRef(DeviceKind.METER, "M1"))).message())
                .isEqualTo("the payload is empty");
        assertThat(onlyProblem(parser.parse(bytes(" \n "), new DeviceRef(DeviceKind.METER, "M1"))).message())
                .isEqualTo("the payload is empty");
    }

    @Test
    void refuses_a_byte_order_mark() {
        byte[] json = payload("valid/meter.json");
        byte[] withBom = new byte[json.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(json, 0, withBom, 3, json.length);

        assertThat(onlyProblem(parser.parse(withBom, null)).message()).contains("byte order mark");
    }

    @Test
    void refuses_invalid_utf8() {
        byte[] json = bytes("{\"meterId\": \"M\u00e9\", \"kwhConsumedAc\": 1, \"voltage\": 230, \"timestamp\": \"2026-02-10T10:00:00Z\"}");
        byte[] broken = json.clone();
        broken[13] = (byte) 0xFF;

        assertThat(onlyProblem(parser.parse(broken, null)).message()).startsWith("the payload is not valid JSON");
    }

    @Test
    void keeps_energy_exactly_as_sent() {
        byte[] json = bytes("{\"meterId\": \"M1\", \"kwhConsumedAc\": 0.30000000000000004, \"voltage\": 230, "
                + "\"timestamp\": \"2026-02-10T10:00:00Z\"}");

        MeterReading reading = (MeterReading) valid(parser.parse(json, null));

        assertThat(reading.kwhConsumedAc()).isEqualTo(new BigDecimal("0.30000000000000004"));
    }

    @Test
    void turns_minus_zero_into_zero() {
        byte[] json = bytes("{\"vehicleId\": \"V1\", \"soc\": -0.0, \"kwhDeliveredDc\": -0, \"batteryTemp\": -0.0, "
                + "\"timestamp\": \"2026-02-10T10:00:00Z\"}");

        VehicleReading reading = (VehicleReading) valid(parser.parse(json, null));

        assertThat(reading.soc()).isEqualTo(0.0).isNotNegative();
        assertThat(Double.doubleToRawLongBits(reading.batteryTemp())).isZero();
        assertThat(reading.kwhDeliveredDc().signum()).isZero();
    }

    @Test
    void keeps_timestamps_to_the_microsecond() {
        byte[] json = bytes("{\"meterId\": \"M1\", \"kwhConsumedAc\": 1, \"voltage\": 230, "
                + "\"timestamp\": \"2026-02-10T10:00:00.123456789Z\"}");

        assertThat(valid(parser.parse(json, null)).timestamp()).isEqualTo(Instant.parse("2026-02-10T10:00:00.123456Z"));
    }

    @Test
    void honours_configured_limits() {
        var strict = new ReadingParser(new ValidationRules(new BigDecimal("5"), java.time.Duration.ZERO,
                java.time.Duration.ofDays(1), new BigDecimal("100")), Clock.fixed(NOW, ZoneOffset.UTC));

        ParseResult result = strict.parse(bytes("{\"meterId\": \"M1\", \"kwhConsumedAc\": 5.5, \"voltage\": 230, "
                + "\"timestamp\": \"2026-02-10T10:05:01Z\"}"), null);

        assertThat(((ParseResult.Invalid) result).problems()).extracting(Problem::message).containsExactlyInAnyOrder(
                "kwhConsumedAc must be at most 5 kWh for one reading",
                "timestamp is 1s ahead of the engine's clock; at most 0s is accepted");
    }

    @Test
    void holds_a_register_to_the_register_ceiling_and_an_interval_to_one_interval() {
        var rules = new ValidationRules(new BigDecimal("5"), java.time.Duration.ofMinutes(5), java.time.Duration.ofDays(1),
                new BigDecimal("100000"));
        var parser = new ReadingParser(rules, Clock.fixed(NOW, ZoneOffset.UTC),
                (kind, id) -> kind == DeviceKind.METER && id.equals("REG-1"));
        String reading = "{\"meterId\": \"%s\", \"kwhConsumedAc\": %s, \"voltage\": 230, \"timestamp\": \"2026-02-10T10:00:00Z\"}";

        assertThat(valid(parser.parse(bytes(reading.formatted("REG-1", "48211.75")), null)))
                .isEqualTo(new MeterReading("REG-1", Instant.parse("2026-02-10T10:00:00Z"), new BigDecimal("48211.75"), 230));
        assertThat(onlyProblem(parser.parse(bytes(reading.formatted("REG-1", "100000.5")), null)).message())
                .isEqualTo("kwhConsumedAc must be at most 100000 kWh for a register");
        assertThat(onlyProblem(parser.parse(bytes(reading.formatted("M2", "48211.75")), null)).message())
                .isEqualTo("kwhConsumedAc must be at most 5 kWh for one reading");
    }

    private static Reading valid(ParseResult result) {
        assertThat(result).isInstanceOf(ParseResult.Valid.class);
        return ((ParseResult.Valid) result).reading();
    }

    private static Problem onlyProblem(ParseResult result) {
        assertThat(result).isInstanceOf(ParseResult.Invalid.class);
        assertThat(((ParseResult.Invalid) result).problems()).hasSize(1);
        return ((ParseResult.Invalid) result).problems().get(0);
    }

    static byte[] payload(String name) {
        try (InputStream in = ReadingParserTest.class.getResourceAsStream("/telemetry/" + name)) {
            return Objects.requireNonNull(in, name).readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String jsonString(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\u0000", "\\u0000") + "\"";
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
