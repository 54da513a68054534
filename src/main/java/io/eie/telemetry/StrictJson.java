package io.eie.telemetry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON reader every payload and request body goes through: exact decimals (no binary floating
 * point), duplicate keys and trailing garbage refused, NaN and Infinity read so that they can be
 * named as a field's problem rather than as a syntax error, and tight limits on nesting and
 * number length. Reading never throws on bad input: it says why the bytes are not JSON.
 */
public final class StrictJson {

    private static final int MAX_NESTING_DEPTH = 64;
    private static final int MAX_NUMBER_LENGTH = 100;

    private static final ObjectMapper READER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING_DEPTH)
                            .maxNumberLength(MAX_NUMBER_LENGTH)
                            .build())
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Writes a tree back out as it was read: decimals as plain as they came. */
    private static final ObjectMapper WRITER = JsonMapper.builder()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    private StrictJson() {
    }

    /** Reads bytes as one JSON value; refuses empty input, a byte order mark and broken JSON. */
    public static JsonText read(byte[] bytes) {
        if (isBlank(bytes)) {
            return new JsonText.Malformed("the payload is empty");
        }
        if (bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF) {
            return new JsonText.Malformed("the payload starts with a byte order mark; send UTF-8 JSON without one");
        }
        try {
            return new JsonText.Tree(READER.readTree(bytes));
        } catch (JsonProcessingException e) {
            return new JsonText.Malformed("the payload is not valid JSON: " + describe(e));
        } catch (NumberFormatException | ArithmeticException e) {
            // Jackson lets these through for numbers whose exponent overflows, such as 1e-2147483649
            return new JsonText.Malformed("the payload holds a number out of any usable range");
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from memory failed", e);
        }
    }

    /** A value read by {@link #read}, as bytes again (for keeping one item of an array). */
    public static byte[] write(JsonNode value) {
        try {
            return WRITER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serialises", e);
        }
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /** Jackson's reason without its source excerpt, plus where in the text it happened. */
    private static String describe(JsonProcessingException e) {
        String reason = e.getOriginalMessage();
        int cut = reason.indexOf('\n');
        if (cut >= 0) {
            reason = reason.substring(0, cut);
        }
        reason = reason.replaceAll("\\s*\\(start marker at \\[[^]]*]\\)", "")
                .replaceAll(";?\\s*(?:enable|use) (?:JsonReadFeature|StreamReadFeature|JsonParser\\.Feature)\\S*[^)]*", "")
                .trim();
        if (e.getLocation() != null && e.getLocation().getLineNr() > 0) {
            reason += " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        }
        return printable(reason);
    }

    /** Jackson quotes the offending text; control characters in it must not reach logs or storage. */
    private static String printable(String text) {
        StringBuilder clean = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                clean.append(String.format("\\u%04x", c));
            } else {
                clean.appendCodePoint(c);
            }
        });
        return clean.toString();
    }
}
