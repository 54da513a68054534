package io.eie.intake;

import com.fasterxml.jackson.databind.JsonNode;
import io.eie.storage.BatchWriter;
import io.eie.storage.Outcome;
import io.eie.storage.Write;
import io.eie.telemetry.DeviceRef;
import io.eie.telemetry.Envelope;
import io.eie.telemetry.JsonText;
import io.eie.telemetry.ParseResult;
import io.eie.telemetry.Problem;
import io.eie.telemetry.ReadingParser;
import io.eie.telemetry.Rejection;
import io.eie.telemetry.StrictJson;
import io.eie.telemetry.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way in for both doors: an envelope (an MQTT message or an HTTP body) becomes writes,
 * each a reading to store or a rejection to record, and goes to the batch writer; the future it
 * hands back completes once they have committed. What a reading or a rejection is, is decided
 * here and nowhere else. A door only speaks its protocol: MQTT acknowledges when the future
 * completes, HTTP answers.
 */
public final class Intake {

    private static final Logger log = LoggerFactory.getLogger(Intake.class);

    /**
     * What an HTTP body holds, in order: one write for a single reading, one per element of an
     * array.
     *
     * @param array whether the body held a JSON array
     * @param json  whether it was JSON at all; when not, the one write records why
     */
    public record Contents(List<Write> writes, boolean array, boolean json) {

        public Contents {
            writes = List.copyOf(writes);
        }
    }

    private final ReadingParser parser;
    private final Topics topics;
    private final BatchWriter writer;

    /** @param topics the layout of MQTT topics, which name the device */
    public Intake(ReadingParser parser, Topics topics, BatchWriter writer) {
        this.parser = parser;
        this.topics = topics;
        this.writer = writer;
    }

    /**
     * Reads an MQTT message, which holds one reading, and queues what it became, waiting while
     * the writer's queue is full (the door slows down: flow control back to the broker). A message
     * the engine cannot read because of a bug, not bad input, is recorded as rejected too: nobody
     * could be told, and a message left unacknowledged would hold back every later one.
     *
     * @return the outcome, once committed
     * @throws IllegalStateException when the writer is closing
     */
    public CompletableFuture<Outcome> accept(Envelope message) throws InterruptedException {
        Write write;
        try {
            write = readMessage(message);
        } catch (RuntimeException e) {
            log.error("Could not read the message on {}; recording it as rejected", message.topic(), e);
            write = new Write.RecordRejection(new Rejection(message,
                    topics.deviceOf(message.topic()).map(DeviceRef::kind).orElse(null), null, message.payload(),
                    List.of(Problem.ofPayload("the engine could not read this message"))));
        }
        return writer.submit(write);
    }

    /**
     * Queues all of what was read, or nothing when the writer's queue lacks room for all of it
     * (the door answers "try again later").
     *
     * @return the outcome of each write, in order, once committed; empty when there was no room
     * @throws IllegalStateException when the writer is closing
     */
    public Optional<CompletableFuture<List<Outcome>>> offer(Contents contents) {
        return writer.trySubmit(contents.writes()).map(Intake::allOf);
    }

    /**
     * What an HTTP body holds: one reading, or an array of them. Never throws on bad input: that
     * becomes a rejection.
     */
    public Contents read(Envelope body) {
        JsonText text = StrictJson.read(body.payload());
        if (text instanceof JsonText.Malformed malformed) {
            return one(new Write.RecordRejection(Rejection.of(body, List.of(Problem.ofPayload(malformed.reason())))),
                    false);
        }
        JsonNode root = ((JsonText.Tree) text).root();
        if (!root.isArray()) {
            return one(toWrite(body, parser.parse(root), body.payload()), true);
        }
        List<Write> writes = new ArrayList<>(root.size());
        for (JsonNode item : root) {
            ParseResult result = parser.parse(item);
            writes.add(toWrite(body, result, result instanceof ParseResult.Invalid ? StrictJson.write(item) : null));
        }
        return new Contents(writes, true, true);
    }

    /** An MQTT message: the topic names the device, the payload holds one reading. */
    private Write readMessage(Envelope message) {
        Optional<DeviceRef> device = topics.deviceOf(message.topic());
        if (device.isEmpty()) {
            return new Write.RecordRejection(Rejection.of(message,
                    List.of(new Problem("topic", "the topic is not meters/<meterId> or vehicles/<vehicleId>"))));
        }
        return toWrite(message, parser.parse(message.payload(), device.get()), message.payload());
    }

    /** @param payload what to keep of an invalid reading: the envelope's payload, or the array item */
    private static Write toWrite(Envelope envelope, ParseResult result, byte[] payload) {
        if (result instanceof ParseResult.Valid valid) {
            return new Write.StoreReading(valid.reading(), envelope);
        }
        ParseResult.Invalid invalid = (ParseResult.Invalid) result;
        // the fields only: a problem's sentence may quote what the device sent, and no payload is logged
        log.debug("Rejected a reading from {}{}: problems with {}", envelope.source().label(),
                envelope.topic() == null ? "" : " on " + envelope.topic(),
                invalid.problems().stream().map(Problem::field).distinct().toList());
        return new Write.RecordRejection(Rejection.of(envelope, invalid, payload));
    }

    private static Contents one(Write write, boolean json) {
        return new Contents(List.of(write), false, json);
    }

    private static CompletableFuture<List<Outcome>> allOf(List<CompletableFuture<Outcome>> outcomes) {
        if (outcomes.size() == 1) {
            return outcomes.get(0).thenApply(List::of);
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                .thenApply(done -> outcomes.stream().map(CompletableFuture::join).toList());
    }
}
