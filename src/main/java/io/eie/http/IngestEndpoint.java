package io.eie.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eie.storage.BatchWriter;
import io.eie.storage.Outcome;
import io.eie.storage.Write;
import io.eie.telemetry.DeviceKind;
import io.eie.telemetry.JsonText;
import io.eie.telemetry.ParseResult;
import io.eie.telemetry.Problem;
import io.eie.telemetry.ReadingParser;
import io.eie.telemetry.Rejection;
import io.eie.telemetry.Source;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * {@code POST /v1/ingest}: one reading or an array of them, answered only after every one of
 * them has committed (stored, found already stored, or recorded as rejected).
 */
final class IngestEndpoint {

    /** The answer to an ingest request; {@code accepted + duplicates + rejected} is the number sent. */
    record IngestResult(int accepted, int duplicates, int rejected, List<ItemErrors> errors) {
    }

    /** Why the item at {@code index} of the array was rejected. */
    record ItemErrors(int index, List<Problem> details) {
    }

    private final HttpSettings settings;
    private final ReadingParser parser;
    private final BatchWriter writer;
    private final ObjectMapper json;
    private final Clock clock;
    private final Executor responder;
    private final Counter received;

    IngestEndpoint(HttpSettings settings, ReadingParser parser, BatchWriter writer, ObjectMapper json, Clock clock,
                   Executor responder, MeterRegistry metrics) {
        this.settings = settings;
        this.parser = parser;
        this.writer = writer;
        this.json = json;
        this.clock = clock;
        this.responder = responder;
        this.received = Counter.builder("eie.http.received")
                .description("Readings received over HTTP before validation: each item of an array, and a body that is "
                        + "not JSON as one; bodies refused whole (413, 415, an empty array) are not counted")
                .register(metrics);
    }

    void handle(Context ctx) {
        requireJsonContent(ctx);
        String length = ctx.header("Content-Length");
        if (length != null && length.chars().allMatch(Character::isDigit) && length.length() < 19
                && Long.parseLong(length) > settings.maxBodyBytes()) {
            throw tooLarge();
        }
        byte[] body = ctx.bodyAsBytes();
        Instant receivedAt = clock.instant();
        if (!writer.storageAvailable()) {
            throw HttpApi.unavailable("storage_unavailable",
                    "the database is not accepting writes right now; nothing was stored, retry later");
        }

        JsonText text = parser.readJson(body);
        List<Write> writes = new ArrayList<>();
        boolean single;
        boolean notJson = text instanceof JsonText.Malformed;
        if (text instanceof JsonText.Malformed malformed) {
            single = true;
            writes.add(rejection(body, null, null, List.of(Problem.ofPayload(malformed.reason())), receivedAt));
        } else {
            JsonNode root = ((JsonText.Tree) text).root();
            single = !root.isArray();
            if (single) {
                writes.add(toWrite(parser.parse(root), () -> body, receivedAt));
            } else {
                if (root.isEmpty()) {
                    throw new ApiError(400, "empty_batch", "the array holds no readings");
                }
                if (root.size() > settings.maxReadings()) {
                    throw new ApiError(413, "too_many_readings", "one request may carry at most "
                            + settings.maxReadings() + " readings; this one has " + root.size());
                }
                for (JsonNode item : root) {
                    writes.add(toWrite(parser.parse(item), () -> bytesOf(item), receivedAt));
                }
            }
        }

        received.increment(writes.size());
        List<CompletableFuture<Outcome>> outcomes;
        try {
            outcomes = writer.trySubmit(writes).orElseThrow(() -> HttpApi.unavailable("queue_full",
                    "the engine is at capacity; nothing was stored, retry shortly"));
        } catch (IllegalStateException closed) {
            throw HttpApi.unavailable("shutting_down", "the engine is stopping; nothing was stored, retry shortly");
        }
        CompletableFuture<?> all = CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                .orTimeout(settings.ingestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        ctx.future(() -> all.handleAsync((ignored, failure) -> {
            if (failure != null) {
                throw failure instanceof TimeoutException || failure.getCause() instanceof TimeoutException
                        ? HttpApi.unavailable("commit_timeout", "the readings were not committed within "
                        + settings.ingestTimeout().toSeconds() + "s; they may still be stored, and sending them again is safe")
                        : HttpApi.unavailable("shutting_down", "the engine is stopping; sending the readings again is safe");
            }
            respond(ctx, single, notJson, outcomes);
            return null;
        }, responder));
    }

    private void respond(Context ctx, boolean single, boolean notJson, List<CompletableFuture<Outcome>> futures) {
        int accepted = 0;
        int duplicates = 0;
        List<ItemErrors> errors = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            Outcome outcome = futures.get(i).join();
            switch (outcome.status()) {
                case STORED -> accepted++;
                case DUPLICATE -> duplicates++;
                case REJECTED -> errors.add(new ItemErrors(i, outcome.problems()));
            }
        }
        if (single && !errors.isEmpty()) {
            List<Problem> problems = errors.get(0).details();
            throw notJson
                    ? new ApiError(400, "invalid_json", problems.get(0).message(), problems)
                    : new ApiError(400, "invalid_reading", "the reading was rejected: " + summary(problems), problems);
        }
        ctx.json(new IngestResult(accepted, duplicates, errors.size(), errors));
    }

    private static String summary(List<Problem> problems) {
        return problems.size() == 1
                ? problems.get(0).message()
                : problems.get(0).message() + " (and " + (problems.size() - 1) + " more problems)";
    }

    /** @param payload what to keep of an invalid reading: the body, or the array item */
    private static Write toWrite(ParseResult result, Supplier<byte[]> payload, Instant receivedAt) {
        if (result instanceof ParseResult.Valid valid) {
            return new Write.StoreReading(valid.reading(), Source.HTTP, null, receivedAt);
        }
        ParseResult.Invalid invalid = (ParseResult.Invalid) result;
        return rejection(payload.get(), invalid.kind(), invalid.deviceId(), invalid.problems(), receivedAt);
    }

    private static Write rejection(byte[] payload, DeviceKind kind, String deviceId, List<Problem> problems,
                                   Instant receivedAt) {
        return new Write.RecordRejection(new Rejection(Source.HTTP, kind, null, deviceId, payload, problems, receivedAt));
    }

    private byte[] bytesOf(JsonNode item) {
        try {
            return json.writeValueAsBytes(item);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serialises", e);
        }
    }

    private static void requireJsonContent(Context ctx) {
        String type = ctx.contentType();
        String mediaType = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        if (!mediaType.equals("application/json") && !(mediaType.startsWith("application/") && mediaType.endsWith("+json"))) {
            throw new ApiError(415, "unsupported_media_type", "send the readings as JSON with Content-Type: application/json"
                    + (type == null ? "" : " (got " + mediaType + ")"));
        }
    }

    ApiError tooLarge() {
        long limit = settings.maxBodyBytes();
        String readable = limit % (1024 * 1024) == 0 ? limit / (1024 * 1024) + " MB"
                : limit % 1024 == 0 ? limit / 1024 + " KB" : limit + " bytes";
        return new ApiError(413, "payload_too_large", "the body is larger than the limit of " + readable
                + " (EIE_HTTP_MAX_BODY); send the readings in several requests");
    }
}
