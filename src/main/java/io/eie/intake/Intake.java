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
import io.eie.telemetry.Source;
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
     * What an envelope holds, in order: one write for an MQTT message or an HTTP body with one
     * reading, one per element for an HTTP array.
     *
     * @param array whether the envelope held a JSON array (only HTTP takes them)
     * @param json  whether it was JSON at all; when not, the one write records why
     */
    public record Contents(Envelope envelope, List<Write> writes, boolean array, boolean json) {

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
     * Reads the envelope and queues what it holds, waiting while the writer's queue is full (the
     * door slows down: flow control back to the sender).
     *
     * @return the outcome of each write, in order, once committed
     * @throws IllegalStateException when the writer is closing
     */
    public CompletableFuture<List<Outcome>> accept(Envelope envelope) throws InterruptedException {
        List<Write> writes = read(envelope).writes();
        List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(writes.size());
        for (Write write : writes) {
            outcomes.add(writer.submit(write));
        }
        return allOf(outcomes);
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
     * What the envelope holds. Never throws on bad input: that becomes a rejection. An engine
     * bug in reading an MQTT message is recorded as a rejection too (nobody could be told, and an
     * unacknowledged message would hold back every later one); over HTTP it is thrown, for a 500.
     */
    public Contents read(Envelope envelope) {
        try {
            return envelope.source() == Source.MQTT ? readMessage(envelope) : readBody(envelope);
        } catch (RuntimeException e) {
            if (envelope.source() == Source.HTTP) {
                throw e; // a bug, not bad input: the caller gets a 500, and nothing is stored
            }
            // A bug, not bad input (the parser turns bad input into problems): still record the
            // message, and acknowledge it once recorded, or it would hold back every later one.
            log.error("Could not read the message on {}; recording it as rejected", envelope.topic(), e);
            List<Problem> problems = List.of(Problem.ofPayload("the engine could not read this message"));
            return one(envelope, new Write.RecordRejection(new Rejection(envelope,
                    topics.deviceOf(envelope.topic()).map(DeviceRef::kind).orElse(null), null, envelope.payload(), problems)),
                    true);
        }
    }

    /** An MQTT message: the topic names the device, the payload holds one reading. */
    private Contents readMessage(Envelope envelope) {
        Optional<DeviceRef> device = topics.deviceOf(envelope.topic());
        if (device.isEmpty()) {
            return one(envelope, new Write.RecordRejection(Rejection.of(envelope,
                    List.of(new Problem("topic", "the topic is not meters/<meterId> or vehicles/<vehicleId>")))), true);
        }
        ParseResult result = parser.parse(envelope.payload(), device.get());
        return one(envelope, toWrite(envelope, result, envelope.payload()), true);
    }

    /** An HTTP body: one reading, or an array of them. */
    private Contents readBody(Envelope envelope) {
        JsonText text = StrictJson.read(envelope.payload());
        if (text instanceof JsonText.Malformed malformed) {
            return one(envelope, new Write.RecordRejection(Rejection.of(envelope,
                    List.of(Problem.ofPayload(malformed.reason())))), false);
        }
        JsonNode root = ((JsonText.Tree) text).root();
        if (!root.isArray()) {
            return one(envelope, toWrite(envelope, parser.parse(root), envelope.payload()), true);
        }
        List<Write> writes = new ArrayList<>(root.size());
        for (JsonNode item : root) {
            ParseResult result = parser.parse(item);
            writes.add(toWrite(envelope, result, result instanceof ParseResult.Invalid ? StrictJson.write(item) : null));
        }
        return new Contents(envelope, writes, true, true);
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

    private static Contents one(Envelope envelope, Write write, boolean json) {
        return new Contents(envelope, List.of(write), false, json);
    }

    private static CompletableFuture<List<Outcome>> allOf(List<CompletableFuture<Outcome>> outcomes) {
        if (outcomes.size() == 1) {
            return outcomes.get(0).thenApply(List::of);
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                .thenApply(done -> outcomes.stream().map(CompletableFuture::join).toList());
    }
}
