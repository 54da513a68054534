package io.eie;

import static io.eie.MqttIngestIT.vehicle;
import static org.assertj.core.api.Assertions.assertThat;

import io.eie.testing.EngineExtension;
import io.eie.testing.TestEngine;
import io.eie.testing.TestEngine.Response;
import java.net.http.HttpRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With tokens set, {@code /v1} answers only callers that present one that may do what they ask;
 * the operational endpoints stay open for probes and scrapers.
 */
class AccessControlIT {

    private static final String API = "api-token-0123456789abcdef";
    private static final String READ = "read-token-0123456789abcdef";
    private static final String WRITE = "write-token-0123456789abcdef";
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @RegisterExtension
    static final EngineExtension engines = EngineExtension.withSettings(
            Map.of("EIE_API_TOKEN", API, "EIE_API_READ_TOKEN", READ, "EIE_API_WRITE_TOKEN", WRITE));

    private final TestEngine engine;

    AccessControlIT(TestEngine engine) {
        this.engine = engine;
    }

    @Test
    void refuses_a_request_without_a_token_with_401_and_stores_nothing() {
        Response ingest = ingest(null, vehicle("V-anon", 50, "1", 30, NOW));
        Response read = get(null, "/v1/vehicles/V-anon");
        Response nowhere = get(null, "/v1/no-such-endpoint");

        for (Response response : new Response[] {ingest, read, nowhere}) {
            assertThat(response.status()).isEqualTo(401);
            assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"eie\"");
            assertThat(response.json().get("error").asText()).isEqualTo("unauthorized");
            assertThat(response.json().get("message").asText()).contains("Authorization: Bearer");
            assertThat(response.json().get("details").isArray()).isTrue();
        }
        assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-anon'")).isZero();
        assertThat(engine.count("SELECT count(*) FROM rejected_telemetry")).isZero();
    }

    @Test
    void refuses_a_wrong_token_with_401() {
        for (String wrong : new String[] {"wrong-token-0123456789abcdef", API + "x", API.substring(1), "", " "}) {
            Response response = get(wrong, "/v1/vehicles/V1");

            assertThat(response.status()).as("token \"%s\"", wrong).isEqualTo(401);
            assertThat(response.json().get("error").asText()).isEqualTo("unauthorized");
        }
        Response basic = engine.send(engine.request("/v1/vehicles/V1").header("Authorization", "Basic " + API).GET().build());
        assertThat(basic.status()).isEqualTo(401);
    }

    @Test
    void lets_the_read_token_read_and_not_write() {
        assertThat(get(READ, "/v1/vehicles/V-nobody").status()).isEqualTo(404);
        Response write = ingest(READ, vehicle("V-read", 50, "1", 30, NOW));

        assertThat(write.status()).isEqualTo(403);
        assertThat(write.json().get("error").asText()).isEqualTo("forbidden");
        assertThat(write.json().get("message").asText()).isEqualTo(
                "this token may only read; POST /v1/ingest needs a token that may write");
        assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-read'")).isZero();
        assertThat(get(READ, "/v1/alarms").status()).isEqualTo(200);
        assertThat(engine.send(engine.request("/v1/alarms/1/acknowledge").header("Authorization", "Bearer " + READ)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"by\": \"Eve\"}"))
                .build()).status()).as("acknowledging an alarm is a write").isEqualTo(403);
    }

    @Test
    void lets_the_write_token_write_and_not_read() {
        assertThat(ingest(WRITE, vehicle("V-write", 50, "1", 30, NOW)).status()).isEqualTo(200);
        Response read = get(WRITE, "/v1/vehicles/V-write");

        assertThat(read.status()).isEqualTo(403);
        assertThat(read.json().get("error").asText()).isEqualTo("forbidden");
        assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-write'")).isEqualTo(1);
    }

    @Test
    void lets_the_api_token_do_both() {
        assertThat(ingest(API, vehicle("V-api", 50, "1", 30, NOW)).status()).isEqualTo(200);
        assertThat(get(API, "/v1/vehicles/V-api").status()).isEqualTo(200);
        assertThat(engine.send(engine.request("/v1/vehicles/V-api").header("Authorization", "bearer " + API).GET().build())
                .status()).as("the scheme is case-insensitive").isEqualTo(200);
    }

    @Test
    void keeps_health_readiness_and_metrics_open() {
        assertThat(get(null, "/health").status()).isEqualTo(200);
        assertThat(get(null, "/ready").status()).isIn(200, 503);
        assertThat(get(null, "/metrics").status()).isEqualTo(200);
    }

    private Response get(String token, String path) {
        HttpRequest.Builder request = engine.request(path).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return engine.send(request.build());
    }

    private Response ingest(String token, String json) {
        HttpRequest.Builder request = engine.request("/v1/ingest").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return engine.send(request.build());
    }
}
