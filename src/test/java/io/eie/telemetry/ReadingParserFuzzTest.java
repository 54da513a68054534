package io.eie.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The parser against whatever devices might send: random bytes, random JSON built from the
 * contract's own field names, and valid payloads with a few bytes spoiled. Whatever comes in, it
 * returns (never throws) either a reading that keeps every rule or a refusal with at least one
 * reason, each a sentence. Inputs come from a seeded generator: a failure names the input, and
 * the same seed brings it back. Each test is given a minute, some twenty times what it needs: a
 * parser that hangs fails it instead of stalling the build.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReadingParserFuzzTest {

    private static final long SEED = 20261126L;
    private static final Instant NOW = Instant.parse("2026-02-10T10:05:00Z");
    private static final String[] FIELDS = {"meterId", "vehicleId", "type", "soc", "kwhConsumedAc", "kwhDeliveredDc",
        "voltage", "batteryTemp", "timestamp", "extra"};
    private static final String[] SCALARS = {"0", "-0", "-0.0", "1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity",
        "100000000000000000000000000000", "1E+2147483647", "0.1e1", "13.2", "70", "230", "36.5", "null", "true", "false"};
    private static final String[] STRINGS = {"meter", "vehicle", "M2001", "V1001", "2026-02-10T10:00:00Z",
        "2026-02-10T10:00:00", "2026-02-10T10:04:59.999999999+00:00", "+10000-01-01T00:00:00Z", "1707559200", ""};
    private static final String[] TOPIC_IDS = {"M2001", "V1001", "", "a b", "x".repeat(65)};
    private static final String METER = "{\"meterId\": \"M2001\", \"kwhConsumedAc\": 13.2, \"voltage\": 230, "
            + "\"timestamp\": \"2026-02-10T10:00:00Z\"}";
    private static final String VEHICLE = "{\"vehicleId\": \"V1001\", \"soc\": 70, \"kwhDeliveredDc\": 10.5, "
            + "\"batteryTemp\": 36.5, \"timestamp\": \"2026-02-10T10:00:00Z\"}";

    private final ReadingParser parser = new ReadingParser(ValidationRules.DEFAULTS, Clock.fixed(NOW, ZoneOffset.UTC));
    private final SplittableRandom random = new SplittableRandom(SEED);

    @Test
    void any_bytes_become_a_reading_or_reasons() {
        for (int i = 0; i < 5_000; i++) {
            byte[] payload = new byte[random.nextInt(600)];
            random.nextBytes(payload);
            DeviceRef topic = topic();
            keepsTheContract(parser.parse(payload, topic), "bytes (base64) " + Base64.getEncoder().encodeToString(payload));
        }
    }

    @Test
    void any_json_of_the_contract_fields_becomes_a_reading_or_reasons() {
        for (int i = 0; i < 5_000; i++) {
            String json = jsonObject();
            keepsTheContract(parser.parse(json.getBytes(StandardCharsets.UTF_8), topic()), json);
        }
    }

    @Test
    void a_spoiled_valid_payload_becomes_a_reading_or_reasons() {
        int readings = 0;
        int tries = 5_000;
        for (int i = 0; i < tries; i++) {
            byte[] payload = spoiled();
            ParseResult result = parser.parse(payload, null);
            keepsTheContract(result, new String(payload, StandardCharsets.UTF_8));
            readings += result instanceof ParseResult.Valid ? 1 : 0;
        }
        // some spoiled payloads are still readings (a digit for a digit): both branches are exercised
        assertThat(readings).as("spoiled payloads still readings").isBetween(tries / 100, tries / 2);
    }

    private static void keepsTheContract(ParseResult result, String input) {
        if (result instanceof ParseResult.Valid valid) {
            Reading reading = valid.reading();
            assertThat(DeviceId.isValid(reading.deviceId())).as(input).isTrue();
            assertThat(reading.timestamp()).as(input).isBetween(NOW.minus(ValidationRules.DEFAULTS.retention()),
                    NOW.plus(ValidationRules.DEFAULTS.maxFutureSkew()));
            if (reading instanceof MeterReading meter) {
                assertThat(meter.kwhConsumedAc()).as(input).isBetween(BigDecimal.ZERO, ValidationRules.DEFAULTS.maxKwhPerReading());
                assertThat(meter.voltage()).as(input).isGreaterThan(0).isLessThanOrEqualTo(1000);
            } else if (reading instanceof VehicleReading vehicle) {
                assertThat(vehicle.soc()).as(input).isBetween(0.0, 100.0);
                assertThat(vehicle.kwhDeliveredDc()).as(input).isBetween(BigDecimal.ZERO, ValidationRules.DEFAULTS.maxKwhPerReading());
                assertThat(vehicle.batteryTemp()).as(input).isBetween(-40.0, 100.0);
            }
        } else {
            List<Problem> problems = ((ParseResult.Invalid) result).problems();
            assertThat(problems).as(input).isNotEmpty();
            assertThat(problems).as(input).allSatisfy(problem -> assertThat(problem.message()).isNotBlank());
        }
    }

    /** No topic (HTTP), or a topic of either kind with an id that may be right, wrong or invalid. */
    private DeviceRef topic() {
        if (random.nextInt(3) == 0) {
            return null;
        }
        String id = random.nextBoolean() ? pick(TOPIC_IDS) : randomText(10);
        return new DeviceRef(DeviceKind.values()[random.nextInt(DeviceKind.values().length)], id);
    }

    /** An object of a few of the contract's fields (or others), each with a value of any JSON shape. */
    private String jsonObject() {
        List<String> members = new ArrayList<>();
        for (int i = random.nextInt(10); i > 0; i--) {
            members.add("\"" + pick(FIELDS) + "\": " + value(2));
        }
        return "{" + String.join(", ", members) + "}";
    }

    private String value(int depth) {
        int choice = random.nextInt(depth == 0 ? 8 : 10);
        return switch (choice) {
            case 0 -> Integer.toString(random.nextInt());
            case 1 -> Long.toString(random.nextLong());
            case 2 -> Double.toString(Double.longBitsToDouble(random.nextLong()));
            case 3 -> new BigDecimal(new BigInteger(80, new java.util.Random(random.nextLong())), 20).toPlainString();
            case 4, 5 -> pick(SCALARS);
            case 6 -> "\"" + pick(STRINGS) + "\"";
            case 7 -> "\"" + randomText(12).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            case 8 -> "[" + String.join(",", list(random.nextInt(4), () -> value(depth - 1))) + "]";
            default -> "{\"k\": " + value(depth - 1) + "}";
        };
    }

    /** A valid meter or vehicle payload with one to three bytes replaced, dropped or inserted. */
    private byte[] spoiled() {
        byte[] result = (random.nextBoolean() ? METER : VEHICLE).getBytes(StandardCharsets.UTF_8);
        for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
            int at = random.nextInt(result.length);
            byte b = (byte) random.nextInt(256);
            Function<byte[], byte[]> edit = switch (random.nextInt(3)) {
                case 0 -> bytes -> {
                    bytes[at] = b;
                    return bytes;
                };
                case 1 -> bytes -> {
                    byte[] shorter = new byte[bytes.length - 1];
                    System.arraycopy(bytes, 0, shorter, 0, at);
                    System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                    return shorter;
                };
                default -> bytes -> {
                    byte[] longer = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, longer, 0, at);
                    longer[at] = b;
                    System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
                    return longer;
                };
            };
            result = edit.apply(result);
        }
        return result;
    }

    /** Any characters, control characters and astral ones included. */
    private String randomText(int maxLength) {
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(maxLength + 1); i > 0; i--) {
            text.appendCodePoint(random.nextInt(4) == 0 ? random.nextInt(0x20) : random.nextInt(0x1F600));
        }
        return text.toString();
    }

    private List<String> list(int size, java.util.function.Supplier<String> item) {
        List<String> items = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            items.add(item.get());
        }
        return items;
    }

    private <T> T pick(T[] options) {
        return options[random.nextInt(options.length)];
    }
}
