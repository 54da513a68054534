package io.eie.http;

import io.eie.intake.Intake;
import io.eie.storage.Outcome;
import io.eie.telemetry.Envelope;
import io.eie.telemetry.Problem;
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
import java.util.function.BooleanSupplier;

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
    private final Intake intake;
    private final BooleanSupplier storageAvailable;
    private final Clock clock;
    private final Executor responder;
    private final Counter received;

    /** @param storageAvailable whether the database takes writes right now */
    IngestEndpoint(HttpSettings settings, Intake intake, BooleanSupplier storageAvailable, Clock clock,
                   Executor responder, MeterRegistry metrics) {
        this.settings = settings;
        this.intake = intake;
        this.storageAvailable = storageAvailable;
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
        if (!storageAvailable.getAsBoolean()) {
            throw HttpApi.unavailable("storage_unavailable",
                    "the database is not accepting writes right now; nothing was stored, retry later");
        }

        Intake.Contents contents = intake.read(Envelope.http(body, receivedAt));
        if (contents.array() && contents.writes().isEmpty()) {
            throw new ApiError(400, "empty_batch", "the array holds no readings");
        }
        if (contents.writes().size() > settings.maxReadings()) {
            throw new ApiError(413, "too_many_readings", "one request may carry at most "
                    + settings.maxReadings() + " readings; this one has " + contents.writes().size());
        }

        received.increment(contents.writes().size());
        CompletableFuture<List<Outcome>> committed;
        try {
            committed = intake.offer(contents).orElseThrow(() -> HttpApi.unavailable("queue_full",
                    "the engine is at capacity; nothing was stored, retry shortly"));
        } catch (IllegalStateException closed) {
            throw HttpApi.unavailable("shutting_down", "the engine is stopping; nothing was stored, retry shortly");
        }
        CompletableFuture<List<Outcome>> all = committed.orTimeout(settings.ingestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        ctx.future(() -> all.handleAsync((outcomes, failure) -> {
            if (failure != null) {
                throw failure instanceof TimeoutException || failure.getCause() instanceof TimeoutException
                        ? HttpApi.unavailable("commit_timeout", "the readings were not committed within "
                        + settings.ingestTimeout().toSeconds() + "s; they may still be stored, and sending them again is safe")
                        : HttpApi.unavailable("shutting_down", "the engine is stopping; sending the readings again is safe");
            }
            respond(ctx, contents, outcomes);
            return null;
        }, responder));
    }

    private void respond(Context ctx, Intake.Contents contents, List<Outcome> outcomes) {
        int accepted = 0;
        int duplicates = 0;
        List<ItemErrors> errors = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome outcome = outcomes.get(i);
            switch (outcome.status()) {
                case STORED -> accepted++;
                case DUPLICATE -> duplicates++;
                case REJECTED -> errors.add(new ItemErrors(i, outcome.problems()));
            }
        }
        if (!contents.array() && !errors.isEmpty()) {
            List<Problem> problems = errors.get(0).details();
            throw !contents.json()
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
