package io.eie;

import static io.eie.MqttIngestIT.vehicle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eie.testing.EngineExtension;
import io.eie.testing.TestEngine;
import io.eie.testing.TestEngine.Response;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What an attacker or a broken device sends, through both doors, against an engine with its
 * default limits: each gets its own clear error, and nothing is stored.
 */
@ExtendWith(EngineExtension.class)
class HostileInputIT {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final TestEngine engine;

    HostileInputIT(TestEngine engine) {
        this.engine = engine;
    }

    @AfterEach
    void nothing_was_stored() {
        assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id <> 'V-marker'")).isZero();
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history")).isZero();
        assertThat(engine.count("SELECT count(*) FROM vehicle_live_status WHERE vehicle_id <> 'V-marker'")).isZero();
        assertThat(engine.count("SELECT count(*) FROM meter_live_status")).isZero();
    }

    static Stream<Arguments> hostileBodies() {
        String reading = vehicle("V1", 50, "1", 30, NOW);
        return Stream.of(
                Arguments.of("an empty body", bytes(""), 400, "invalid_json", "the payload is empty"),
                Arguments.of("JSON null", bytes("null"), 400, "invalid_reading", "a JSON object"),
                Arguments.of("malformed JSON", bytes("{\"vehicleId\": \"V1\" \"soc\": 1}"), 400, "invalid_json", "not valid JSON"),
                Arguments.of("truncated JSON", bytes(reading.substring(0, reading.length() / 2)), 400, "invalid_json",
                        "not valid JSON"),
                Arguments.of("a UTF-8 byte order mark", concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, bytes(reading)),
                        400, "invalid_json", "byte order mark"),
                Arguments.of("invalid UTF-8", concat(bytes("{\"vehicleId\": \"V"), new byte[] {(byte) 0xC3, 0x28},
                        bytes("\", \"soc\": 1}")), 400, "invalid_json", "not valid JSON"),
                Arguments.of("deep nesting", bytes("{\"soc\": " + "[".repeat(50_000) + "]".repeat(50_000) + "}"), 400,
                        "invalid_json", "nesting depth"),
                Arguments.of("NaN", bytes(reading.replace("\"kwhDeliveredDc\": 1", "\"kwhDeliveredDc\": NaN")), 400,
                        "invalid_reading", "kwhDeliveredDc"),
                Arguments.of("1e400", bytes(reading.replace("\"soc\": 50.0", "\"soc\": 1e400")), 400, "invalid_reading", "soc"),
                Arguments.of("a huge integer", bytes(reading.replace("\"soc\": 50.0", "\"soc\": " + "9".repeat(90))), 400,
                        "invalid_reading", "soc"),
                Arguments.of("an id with SQL in it", bytes(reading.replace("\"V1\"", "\"V1'); DROP TABLE vehicle_live_status; --\"")),
                        400, "invalid_reading", "vehicleId"),
                Arguments.of("a timestamp in the year 10000", bytes(reading.replace(NOW.toString(), "+10000-01-01T00:00:00Z")),
                        400, "invalid_reading", "timestamp"),
                Arguments.of("a 6 MB body", bytes("[" + String.join(",", Collections.nCopies(6 * 1024 * 1024 / reading.length() + 1,
                        reading)) + "]"), 413, "payload_too_large", "limit of 5 MB"),
                Arguments.of("10,001 readings in one array", bytes("[" + String.join(",", Collections.nCopies(10_001,
                        vehicle("V1", 50, "1", 30, NOW))) + "]"), 413, "too_many_readings", "10000"));
    }

    @ParameterizedTest(name = "{0}: {2} {3}")
    @MethodSource("hostileBodies")
    void turns_a_hostile_body_away_with_a_clear_error(String what, byte[] body, int status, String code, String mentions)
            throws IOException {
        int answered;
        JsonNode answer;
        if (body.length > 1024 * 1024) {
            Map.Entry<Integer, JsonNode> raw = postAskingFirst(body);
            answered = raw.getKey();
            answer = raw.getValue();
        } else {
            Response response = engine.send(engine.request("/v1/ingest").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
            answered = response.status();
            answer = response.json();
        }

        assertThat(answered).as(what).isEqualTo(status);
        assertThat(answer.get("error").asText()).isEqualTo(code);
        assertThat(answer.toString()).contains(mentions);
    }

    @Test
    void records_a_message_on_a_topic_without_a_device_id_and_never_sees_one_with_extra_levels() {
        engine.publish("vehicles/", vehicle("V2", 50, "1", 30, NOW));
        engine.publish("vehicles/V3/extra", vehicle("V3", 50, "1", 30, NOW));
        engine.publish("vehicles/V-marker", vehicle("V-marker", 50, "1", 30, NOW)); // published last: arrives last

        await().atMost(Duration.ofSeconds(20)).until(() ->
                engine.count("SELECT count(*) FROM vehicle_live_status WHERE vehicle_id = 'V-marker'") == 1);
        assertThat(engine.queryValue("SELECT reasons::text FROM rejected_telemetry WHERE topic = '" + engine.topicPrefix() + "vehicles/'"))
                .asString().contains("the topic has no device id");
        assertThat(engine.count("SELECT count(*) FROM rejected_telemetry")).as("extra levels match no subscription").isEqualTo(1);
    }

    /**
     * POSTs as a careful client sends megabytes: headers first, with {@code Expect: 100-continue},
     * and the body only if the server asks for it. The engine refuses an oversized body from its
     * headers, so its answer is never lost to a connection closed while the body still flows.
     * (The JDK 17 HTTP client waits forever for a 100 that a refusal never sends.)
     */
    private Map.Entry<Integer, JsonNode> postAskingFirst(byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", engine.app().httpPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            int status = status(in);
            if (status == 100) {
                skipHeaders(in);
                out.write(body);
                out.flush();
                status = status(in);
            }
            int length = skipHeaders(in);
            byte[] answer = new byte[length];
            in.readFully(answer);
            return Map.entry(status, new ObjectMapper().readTree(answer));
        }
    }

    private static int status(DataInputStream in) throws IOException {
        return Integer.parseInt(line(in).split(" ")[1]);
    }

    /** Reads the header lines up to the blank one; returns the Content-Length. */
    private static int skipHeaders(DataInputStream in) throws IOException {
        int length = 0;
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        return length;
    }

    private static String line(DataInputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c == -1) {
                throw new EOFException("the connection closed mid-answer");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
