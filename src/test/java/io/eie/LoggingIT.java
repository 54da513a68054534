package io.eie;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eie.testing.EngineExtension;
import io.eie.process.EngineProcess;
import io.eie.testing.EngineJar;
import io.eie.testing.TestEngine;
import io.eie.testing.TestInfrastructure.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The engine's log as an operator's log shipper sees it: JSON lines, a periodic summary, no payloads. */
@ExtendWith(EngineExtension.class)
class LoggingIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MARKER = "payload-text-that-must-not-be-logged";

    @Test
    void writes_json_lines_with_a_summary_and_never_a_payload(TestDatabase database) throws Exception {
        Map<String, String> env = TestEngine.environment(database);
        env.put("EIE_LOG_FORMAT", "json");
        env.put("EIE_LOG_SUMMARY_INTERVAL", "1s");
        Path log;
        try (EngineProcess engine = EngineJar.start("logging-json", env)) {
            log = engine.log();
            Instant at = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);
            String valid = "{\"vehicleId\": \"V-log\", \"soc\": 50, \"kwhDeliveredDc\": 1, \"batteryTemp\": 30,"
                    + " \"note\": \"" + MARKER + "\", \"timestamp\": \"" + at + "\"}";
            String refused = "{\"vehicleId\": \"V-log\", \"soc\": 500, \"note\": \"" + MARKER + "\"}";
            assertThat(engine.send(post("[" + valid + "," + refused + "]"), "/v1/ingest").statusCode()).isEqualTo(200);
            assertThat(engine.send(post("{\"broken\": \"" + MARKER), "/v1/ingest").statusCode()).isEqualTo(400);

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(messages(log))
                    .anySatisfy(message -> assertThat(message).matches(
                            "Last \\d+ s: [\\d.]+ readings/s stored, [\\d.]+/s already stored, [\\d.]+/s refused; queue \\d+,"
                                    + " MQTT unacknowledged \\d+; receipt to commit .*")
                            .doesNotContain("0.0 readings/s stored")));
        }
        List<JsonNode> lines = lines(log);
        assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line.fieldNames()).toIterable()
                .contains("timestamp", "level", "loggerName", "formattedMessage"));
        assertThat(Files.readString(log)).doesNotContain(MARKER);
    }

    @Test
    void refuses_a_log_format_it_does_not_have() {
        var run = EngineJar.run(Map.of("EIE_LOG_FORMAT", "xml"), "serve");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output()).contains("EIE_LOG_FORMAT must be human or json, not \"xml\"");
    }

    private static HttpRequest.Builder post(String body) {
        return HttpRequest.newBuilder(URI.create("http://unused")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static List<String> messages(Path log) {
        List<String> messages = new ArrayList<>();
        for (JsonNode line : lines(log)) {
            messages.add(line.path("formattedMessage").asText());
        }
        return messages;
    }

    private static List<JsonNode> lines(Path log) {
        try {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                lines.add(JSON.readTree(line));
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
