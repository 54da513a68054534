package io.eie.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.eie.storage.BatchSettings;
import io.eie.storage.BatchWriter;
import io.eie.storage.Outcome;
import io.eie.storage.Write;
import io.eie.storage.WriterMetrics;
import io.eie.telemetry.DeviceKind;
import io.eie.telemetry.Envelope;
import io.eie.telemetry.ReadingParser;
import io.eie.telemetry.Source;
import io.eie.telemetry.Topics;
import io.eie.telemetry.ValidationRules;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Both doors' envelopes become writes here, and their futures complete with what committed. */
class IntakeTest {

    private static final Instant NOW = Instant.parse("2026-02-10T10:00:00Z");
    private static final String VEHICLE = "{\"vehicleId\":\"V1\",\"soc\":50,\"kwhDeliveredDc\":1.5,\"batteryTemp\":30,"
            + "\"timestamp\":\"2026-02-10T09:59:00Z\"}";
    private static final String METER = "{\"kwhConsumedAc\":1.75,\"voltage\":230,\"timestamp\":\"2026-02-10T09:59:00Z\"}";

    private final List<List<Write>> committed = Collections.synchronizedList(new ArrayList<>());
    private final BatchWriter writer = new BatchWriter(
            new BatchSettings(100, Duration.ZERO, 1_000, 1, Duration.ofMillis(100), Duration.ofSeconds(5)),
            batch -> {
                committed.add(List.copyOf(batch));
                return batch.stream().map(write -> write instanceof Write.RecordRejection rejection
                        ? Outcome.rejected(rejection.rejection().problems()) : Outcome.STORED).toList();
            }, WriterMetrics.unregistered());
    private final Intake intake = new Intake(new ReadingParser(ValidationRules.DEFAULTS, Clock.fixed(NOW, ZoneOffset.UTC)),
            new Topics("site/"), writer);

    @AfterEach
    void close() {
        writer.close();
    }

    @Test
    void reads_an_mqtt_message_as_the_reading_of_the_device_its_topic_names() throws Exception {
        Envelope message = Envelope.mqtt("site/meters/M1", bytes(METER), NOW);

        Outcome outcome = intake.accept(message).get(5, TimeUnit.SECONDS);

        assertThat(outcome).isEqualTo(Outcome.STORED);
        assertThat(committed).singleElement().satisfies(batch -> assertThat(batch).singleElement()
                .isInstanceOfSatisfying(Write.StoreReading.class, store -> {
            assertThat(store.reading().kind()).isEqualTo(DeviceKind.METER);
            assertThat(store.reading().deviceId()).isEqualTo("M1");
            assertThat(store.envelope()).isSameAs(message);
        }));
    }

    @Test
    void records_a_message_on_a_topic_that_names_no_device_as_rejected_with_its_topic() throws Exception {
        Envelope message = Envelope.mqtt("site/chargers/C1", bytes(METER), NOW);

        assertThat(intake.accept(message).get(5, TimeUnit.SECONDS).status()).isEqualTo(Outcome.Status.REJECTED);
        Write write = committed.get(0).get(0);

        assertThat(write).isInstanceOfSatisfying(Write.RecordRejection.class, record -> {
            assertThat(record.rejection().problems()).singleElement()
                    .satisfies(problem -> assertThat(problem.field()).isEqualTo("topic"));
            assertThat(record.rejection().topic()).isEqualTo("site/chargers/C1");
            assertThat(record.rejection().source()).isEqualTo(Source.MQTT);
            assertThat(record.rejection().payload()).isEqualTo(bytes(METER));
        });
    }

    @Test
    void reads_an_http_array_item_by_item_and_keeps_only_the_refused_item_as_its_payload() {
        String refused = "{\"vehicleId\":\"V2\",\"soc\":150,\"kwhDeliveredDc\":1,\"batteryTemp\":30,"
                + "\"timestamp\":\"2026-02-10T09:59:00Z\"}";
        Intake.Contents contents = intake.read(Envelope.http(bytes("[" + VEHICLE + "," + refused + "]"), NOW));

        assertThat(contents.array()).isTrue();
        assertThat(contents.writes()).hasSize(2);
        assertThat(contents.writes().get(0)).isInstanceOf(Write.StoreReading.class);
        assertThat(contents.writes().get(1)).isInstanceOfSatisfying(Write.RecordRejection.class, record -> {
            assertThat(record.rejection().deviceId()).isEqualTo("V2");
            assertThat(record.rejection().topic()).isNull();
            assertThat(new String(record.rejection().payload(), StandardCharsets.UTF_8)).isEqualTo(refused);
            assertThat(record.rejection().problems()).extracting(problem -> problem.field()).containsExactly("soc");
        });
    }

    @Test
    void says_when_an_http_body_is_not_json_and_records_it_whole() {
        Intake.Contents contents = intake.read(Envelope.http(bytes("{not json"), NOW));

        assertThat(contents.json()).isFalse();
        assertThat(contents.writes()).singleElement().isInstanceOfSatisfying(Write.RecordRejection.class,
                record -> assertThat(record.rejection().payload()).isEqualTo(bytes("{not json")));
    }

    @Test
    void completes_an_envelope_once_every_write_in_it_has_committed() throws Exception {
        Outcome mqtt = intake.accept(Envelope.mqtt("site/vehicles/V1", bytes(VEHICLE), NOW)).get(5, TimeUnit.SECONDS);
        List<Outcome> http = intake.offer(intake.read(Envelope.http(bytes("[" + VEHICLE + ",{}]"), NOW))).orElseThrow()
                .get(5, TimeUnit.SECONDS);

        assertThat(mqtt).isEqualTo(Outcome.STORED);
        assertThat(http).extracting(Outcome::status).containsExactly(Outcome.Status.STORED, Outcome.Status.REJECTED);
        assertThat(committed).flatExtracting(batch -> batch).hasSize(3);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
