package io.eie;

import static io.eie.MqttIngestIT.meter;
import static io.eie.MqttIngestIT.vehicle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.eie.testing.EngineExtension;
import io.eie.testing.TestEngine;
import io.eie.testing.TestEngine.Response;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The HTTP API: ingest, links, live state, errors, health. */
class HttpApiIT {

    private static final Instant BASE = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(3, ChronoUnit.HOURS);

    @RegisterExtension
    static final EngineExtension engines = EngineExtension.withSettings(
            Map.of("EIE_HTTP_MAX_BODY", "64KB", "EIE_HTTP_MAX_READINGS", "100"));

    private final TestEngine engine;

    HttpApiIT(TestEngine engine) {
        this.engine = engine;
    }

    @Test
    void ingests_a_meter_and_a_vehicle_reading_with_and_without_type() {
        Response meter = engine.post("/v1/ingest", meter("M-h1", "13.2", 230, BASE));
        Response vehicle = engine.post("/v1/ingest", vehicle("V-h1", 70, "10.5", 36.5, BASE));
        Response typedMeter = engine.post("/v1/ingest", "{\"type\": \"meter\", " + meter("M-h1", "1", 231, BASE.plusSeconds(60)).substring(1));
        Response typedVehicle = engine.post("/v1/ingest", "{\"type\": \"vehicle\", " + vehicle("V-h1", 71, "1", 37, BASE.plusSeconds(60)).substring(1));

        for (Response response : List.of(meter, vehicle, typedMeter, typedVehicle)) {
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.json().toString()).isEqualTo("{\"accepted\":1,\"duplicates\":0,\"rejected\":0,\"errors\":[]}");
        }
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history WHERE meter_id = 'M-h1'")).isEqualTo(2);
        assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-h1'")).isEqualTo(2);
    }

    @Test
    void answers_only_after_commit_so_the_reading_is_readable_at_once() {
        Response response = engine.post("/v1/ingest", vehicle("V-h2", 42, "2", 25, BASE));

        assertThat(response.status()).isEqualTo(200);
        JsonNode live = engine.get("/v1/vehicles/V-h2").json();
        assertThat(live.get("soc").asDouble()).isEqualTo(42.0);
        assertThat(live.get("lastReadingAt").asText()).isEqualTo(BASE.toString());
    }

    @Test
    void counts_a_reading_sent_twice_as_a_duplicate() {
        String payload = meter("M-h3", "0.5", 229, BASE);
        engine.post("/v1/ingest", payload);

        Response again = engine.post("/v1/ingest", payload);

        assertThat(again.json().toString()).isEqualTo("{\"accepted\":0,\"duplicates\":1,\"rejected\":0,\"errors\":[]}");
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history WHERE meter_id = 'M-h3'")).isEqualTo(1);
    }

    @Test
    void stores_the_good_items_of_an_array_and_reports_the_bad_ones_by_index() {
        String array = "[" + meter("M-h4", "1", 230, BASE) + ","
                + "{\"meterId\": \"M-h4\", \"kwhConsumedAc\": -1, \"voltage\": 230, \"timestamp\": \"" + BASE.plusSeconds(60) + "\"},"
                + vehicle("V-h4", 60, "0.9", 30, BASE) + ","
                + "42,"
                + meter("M-h4", "1", 230, BASE) + "]";

        Response response = engine.post("/v1/ingest", array);

        assertThat(response.status()).isEqualTo(200);
        JsonNode body = response.json();
        assertThat(body.get("accepted").asInt()).isEqualTo(2);
        assertThat(body.get("duplicates").asInt()).isEqualTo(1);
        assertThat(body.get("rejected").asInt()).isEqualTo(2);
        assertThat(body.get("errors").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(body.get("errors").get(0).get("details").get(0).get("field").asText()).isEqualTo("kwhConsumedAc");
        assertThat(body.get("errors").get(1).get("index").asInt()).isEqualTo(3);
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history WHERE meter_id = 'M-h4'")).isEqualTo(1);
        assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-h4'")).isEqualTo(1);
        assertThat(engine.count("SELECT count(*) FROM rejected_telemetry WHERE source = 'http' AND device_id = 'M-h4'")).isEqualTo(1);
        assertThat(engine.queryValue("SELECT convert_from(payload, 'UTF8') FROM rejected_telemetry WHERE device_id = 'M-h4'").toString())
                .contains("\"kwhConsumedAc\":-1");
    }

    @Test
    void refuses_a_single_invalid_reading_with_400_and_every_problem() {
        Response response = engine.post("/v1/ingest",
                "{\"vehicleId\": \"V-h5\", \"soc\": 101, \"kwhDeliveredDc\": \"5\", \"batteryTemp\": 20, \"timestamp\": \"" + BASE + "\"}");

        assertThat(response.status()).isEqualTo(400);
        JsonNode body = response.json();
        assertThat(body.get("error").asText()).isEqualTo("invalid_reading");
        assertThat(body.get("message").asText()).startsWith("the reading was rejected: ");
        assertThat(body.get("details").findValuesAsText("field")).containsExactlyInAnyOrder("soc", "kwhDeliveredDc");
        assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history WHERE vehicle_id = 'V-h5'")).isZero();
        assertThat(engine.count("SELECT count(*) FROM vehicle_live_status WHERE vehicle_id = 'V-h5'")).isZero();
        assertThat(engine.count("SELECT count(*) FROM rejected_telemetry WHERE device_id = 'V-h5' AND source = 'http'")).isEqualTo(1);
    }

    @Test
    void refuses_a_body_that_is_not_json_with_400() {
        Response response = engine.post("/v1/ingest", "{\"meterId\": \"M-h6\", ");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("error").asText()).isEqualTo("invalid_json");
        assertThat(response.json().get("message").asText()).startsWith("the payload is not valid JSON");
    }

    @Test
    void refuses_a_body_that_is_not_declared_json_with_415() {
        Response response = engine.send(engine.request("/v1/ingest").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(meter("M-h7", "1", 230, BASE))).build());

        assertThat(response.status()).isEqualTo(415);
        assertThat(response.json().get("error").asText()).isEqualTo("unsupported_media_type");
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history WHERE meter_id = 'M-h7'")).isZero();
    }

    @Test
    void refuses_a_body_over_the_limit_with_413() {
        String big = "[" + String.join(",", java.util.Collections.nCopies(1000, meter("M-h8", "1", 230, BASE))) + "]";

        Response response = engine.post("/v1/ingest", big);

        assertThat(response.status()).isEqualTo(413);
        assertThat(response.json().get("error").asText()).isEqualTo("payload_too_large");
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history WHERE meter_id = 'M-h8'")).isZero();
    }

    @Test
    void refuses_more_readings_than_one_request_may_carry_with_413() {
        List<String> readings = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            readings.add(meter("M-h9", "1", 230, BASE.plusSeconds(i)));
        }

        Response response = engine.post("/v1/ingest", "[" + String.join(",", readings) + "]");

        assertThat(response.status()).isEqualTo(413);
        assertThat(response.json().get("error").asText()).isEqualTo("too_many_readings");
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history WHERE meter_id = 'M-h9'")).isZero();
    }

    @Test
    void refuses_an_empty_array() {
        Response response = engine.post("/v1/ingest", "[]");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("error").asText()).isEqualTo("empty_batch");
    }

    @Test
    void links_a_vehicle_to_meters_over_time() {
        Instant first = BASE.minus(2, ChronoUnit.HOURS);
        Instant second = BASE.minus(1, ChronoUnit.HOURS);

        Response linked = engine.put("/v1/vehicles/V-link/meter", "{\"meterId\": \"M-a\", \"from\": \"" + first + "\"}");
        Response relinked = engine.put("/v1/vehicles/V-link/meter", "{\"meterId\": \"M-b\", \"from\": \"" + second + "\"}");
        Response same = engine.put("/v1/vehicles/V-link/meter", "{\"meterId\": \"M-b\"}");
        JsonNode shown = engine.get("/v1/vehicles/V-link/meter").json();

        assertThat(linked.status()).isEqualTo(200);
        assertThat(relinked.status()).isEqualTo(200);
        assertThat(same.status()).isEqualTo(200);
        assertThat(shown.get("current").get("meterId").asText()).isEqualTo("M-b");
        assertThat(shown.get("current").get("from").asText()).isEqualTo(second.toString());
        assertThat(shown.get("current").get("to").isNull()).isTrue();
        assertThat(shown.get("history")).hasSize(2);
        assertThat(shown.get("history").get(1).get("meterId").asText()).isEqualTo("M-a");
        assertThat(shown.get("history").get(1).get("to").asText()).isEqualTo(second.toString());
    }

    @Test
    void links_from_now_by_default_and_refuses_a_start_before_the_current_link() {
        engine.put("/v1/vehicles/V-link2/meter", "{\"meterId\": \"M-c\"}");

        Response earlier = engine.put("/v1/vehicles/V-link2/meter", "{\"meterId\": \"M-d\", \"from\": \"" + BASE + "\"}");

        assertThat(earlier.status()).isEqualTo(409);
        assertThat(earlier.json().get("error").asText()).isEqualTo("link_conflict");
        assertThat(engine.get("/v1/vehicles/V-link2/meter").json().get("current").get("meterId").asText()).isEqualTo("M-c");
    }

    @Test
    void ends_a_link_on_delete() {
        engine.put("/v1/vehicles/V-link3/meter", "{\"meterId\": \"M-e\", \"from\": \"" + BASE + "\"}");

        Response ended = engine.delete("/v1/vehicles/V-link3/meter");

        assertThat(ended.status()).isEqualTo(200);
        assertThat(ended.json().get("current").isNull()).isTrue();
        assertThat(ended.json().get("history").get(0).get("to").isNull()).isFalse();
        assertThat(engine.delete("/v1/vehicles/V-never/meter").status()).isEqualTo(404);
    }

    @Test
    void refuses_invalid_link_requests() {
        assertThat(engine.put("/v1/vehicles/V-x/meter", "{\"meterId\": \"bad id\"}").json().get("details").get(0).get("field").asText())
                .isEqualTo("meterId");
        assertThat(engine.put("/v1/vehicles/V-x/meter", "{}").status()).isEqualTo(400);
        assertThat(engine.put("/v1/vehicles/V-x/meter", "{\"meterId\": \"M-1\", \"from\": \"yesterday\"}").status()).isEqualTo(400);
        assertThat(engine.put("/v1/vehicles/V-x/meter", "{\"meterId\": \"M-1\", \"from\": \""
                + Instant.now().plus(1, ChronoUnit.DAYS) + "\"}").status()).isEqualTo(400);
        assertThat(engine.put("/v1/vehicles/V-x/meter", "not json").json().get("error").asText()).isEqualTo("invalid_json");
        assertThat(engine.get("/v1/vehicles/V-x/meter").status()).isEqualTo(404);
    }

    @Test
    void shows_the_live_row_of_a_device_and_404_for_an_unknown_one() {
        engine.post("/v1/ingest", meter("M-live", "2.5", 232, BASE));

        JsonNode live = engine.get("/v1/meters/M-live").json();

        assertThat(live.get("meterId").asText()).isEqualTo("M-live");
        assertThat(live.get("kwhConsumedAc").decimalValue()).isEqualByComparingTo("2.5");
        assertThat(live.get("voltage").asDouble()).isEqualTo(232.0);
        assertThat(engine.get("/v1/meters/M-nobody").status()).isEqualTo(404);
        assertThat(engine.get("/v1/vehicles/V-nobody").status()).isEqualTo(404);
        assertThat(engine.get("/v1/vehicles/V%20bad").status()).isEqualTo(400);
    }

    @Test
    void answers_every_error_in_one_shape() {
        Response notFound = engine.get("/v1/nothing-here");
        Response wrongMethod = engine.delete("/v1/ingest");

        assertThat(notFound.status()).isEqualTo(404);
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.header("Allow")).isEqualTo("POST");
        for (Response response : List.of(notFound, wrongMethod)) {
            JsonNode body = response.json();
            assertThat(body.get("error").isTextual()).isTrue();
            assertThat(body.get("message").isTextual()).isTrue();
            assertThat(body.get("details").isArray()).isTrue();
        }
    }

    @Test
    void answers_an_internal_failure_with_500_in_the_same_shape() {
        try (TestEngine broken = TestEngine.start()) {
            broken.execute("DROP TABLE meter_live_status");

            Response response = broken.get("/v1/meters/M-1");

            assertThat(response.status()).isEqualTo(500);
            assertThat(response.json().get("error").asText()).isEqualTo("internal_error");
            assertThat(response.json().get("message").asText()).doesNotContain("meter_live_status");
            assertThat(response.json().get("details").isArray()).isTrue();
        }
    }

    @Test
    void answers_503_with_retry_after_when_the_queue_has_no_room_for_a_request() throws Exception {
        // One writer: a second one would take the next five writes off the queue as soon as they
        // wait (a backlog of a whole batch), making room for the third request as well.
        try (TestEngine small = TestEngine.start(Map.of("EIE_QUEUE_CAPACITY", "5", "EIE_BATCH_SIZE", "5",
                "EIE_HTTP_MAX_READINGS", "5", "EIE_WRITERS", "1"));
             Connection blocker = small.database().connect()) {
            // Hold the writer in its first batch: it waits for a lock while requests pile up.
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("LOCK TABLE meter_live_status IN ACCESS EXCLUSIVE MODE");
            CompletableFuture<Response> first = CompletableFuture.supplyAsync(() -> small.post("/v1/ingest", readings(0)));
            await().atMost(Duration.ofSeconds(10)).until(() -> small.count(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()") == 1);

            // Five more fit in the queue; another five do not.
            CompletableFuture<Response> second = CompletableFuture.supplyAsync(() -> small.post("/v1/ingest", readings(10)));
            CompletableFuture<Response> third = CompletableFuture.supplyAsync(() -> small.post("/v1/ingest", readings(20)));
            Response refused = CompletableFuture.anyOf(second, third).thenApply(Response.class::cast).get(10, TimeUnit.SECONDS);

            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            assertThat(refused.json().get("error").asText()).isEqualTo("queue_full");
            blocker.rollback();
            Response accepted = (refused == second.getNow(null) ? third : second).get(10, TimeUnit.SECONDS);
            assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(accepted.status()).isEqualTo(200);
            assertThat(small.count("SELECT count(*) FROM meter_telemetry_history")).isEqualTo(10);
        }
    }

    private static String readings(int offset) {
        List<String> readings = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            readings.add(meter("M-full", "1", 230, BASE.plusSeconds(offset + i)));
        }
        return "[" + String.join(",", readings) + "]";
    }

    @Test
    void pages_through_rejections_oldest_first_without_skipping_or_repeating_any() {
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < 5; i++) { // one request: five rejections received in the same instant
            bad.add(vehicle("V-rej", 101 + i, "1", 30, BASE.plusSeconds(i)));
        }
        engine.post("/v1/ingest", "[" + String.join(",", bad) + "]");
        engine.post("/v1/ingest", vehicle("V-rej", 50, "-1", 30, BASE));
        engine.post("/v1/ingest", vehicle("V-rej", 50, "1", 300, BASE));

        List<JsonNode> seen = new ArrayList<>();
        String next = "/v1/rejections?deviceId=V-rej&limit=3";
        int pages = 0;
        while (next != null) {
            JsonNode page = engine.get(next).json();
            page.get("rejections").forEach(seen::add);
            next = page.get("next").isNull() ? null : page.get("next").asText();
            pages++;
        }

        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(7);
        assertThat(seen.stream().map(entry -> entry.get("id").asLong())).doesNotHaveDuplicates().isSorted();
        JsonNode first = seen.get(0);
        assertThat(first.get("source").asText()).isEqualTo("http");
        assertThat(first.get("deviceId").asText()).isEqualTo("V-rej");
        assertThat(first.get("payloadEncoding").asText()).isEqualTo("utf-8");
        assertThat(first.get("payload").asText()).contains("\"soc\":101");
        assertThat(first.get("payloadTruncated").asBoolean()).isFalse();
        assertThat(first.get("reasons").get(0).get("field").asText()).isEqualTo("soc");
        assertThat(seen.get(6).get("reasons").get(0).get("field").asText()).isEqualTo("batteryTemp");
        Instant since = Instant.parse(seen.get(5).get("receivedAt").asText());
        assertThat(engine.get("/v1/rejections?deviceId=V-rej&since=" + since).json().get("rejections")).hasSize(2);
    }

    @Test
    void shows_a_payload_that_is_not_utf8_as_base64() {
        engine.publish("vehicles/V-bin", new byte[] {(byte) 0xFF, (byte) 0xFE, 0x01});

        await().atMost(Duration.ofSeconds(20)).until(() ->
                engine.get("/v1/rejections?deviceId=V-bin").json().get("rejections").size() == 1);
        JsonNode entry = engine.get("/v1/rejections?deviceId=V-bin").json().get("rejections").get(0);
        assertThat(entry.get("payloadEncoding").asText()).isEqualTo("base64");
        assertThat(entry.get("payload").asText()).isEqualTo("//4B");
        assertThat(entry.get("source").asText()).isEqualTo("mqtt");
        assertThat(entry.get("topic").asText()).isEqualTo(engine.topicPrefix() + "vehicles/V-bin");
    }

    @Test
    void refuses_rejection_queries_it_cannot_answer() {
        assertThat(engine.get("/v1/rejections?limit=0").json().at("/details/0/field").asText()).isEqualTo("limit");
        assertThat(engine.get("/v1/rejections?limit=1001").status()).isEqualTo(400);
        assertThat(engine.get("/v1/rejections?since=yesterday").json().at("/details/0/field").asText()).isEqualTo("since");
        assertThat(engine.get("/v1/rejections?after=5").json().at("/details/0/field").asText()).isEqualTo("after");
        assertThat(engine.get("/v1/rejections?deviceId=a%2Fb").json().at("/details/0/field").asText()).isEqualTo("deviceId");
    }

    @Test
    void reports_health_and_readiness() {
        assertThat(engine.get("/health").json().get("status").asText()).isEqualTo("up");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> engine.get("/ready").status() == 200);
        Response ready = engine.get("/ready");
        assertThat(ready.json().toString()).isEqualTo("{\"status\":\"ready\",\"checks\":{\"database\":true,\"writer\":true,\"mqtt\":true}}");
    }
}
