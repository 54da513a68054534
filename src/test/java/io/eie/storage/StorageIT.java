package io.eie.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.eie.telemetry.DeviceKind;
import io.eie.telemetry.Envelope;
import io.eie.telemetry.MeterReading;
import io.eie.telemetry.Problem;
import io.eie.telemetry.Rejection;
import io.eie.telemetry.VehicleReading;
import io.eie.testing.TestEngine;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The batch writer and the repository against real PostgreSQL: partitions, bad rows, retention. */
class StorageIT {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    private TestEngine engine;
    private Jdbi jdbi;
    private Partitions partitions;
    private static final StorageSettings SETTINGS = new StorageSettings(Duration.ofDays(90), 2, 64,
            EnergyModes.Defaults.INTERVAL, PackingSettings.DEFAULTS);

    private BatchWriter writer;

    @BeforeEach
    void start() {
        engine = TestEngine.start(); // a migrated database of this test's own
        jdbi = Jdbi.create(engine.database()::connect).installPlugin(new PostgresPlugin());
        partitions = new Partitions(jdbi);
        // the sinks as the engine stacks them: bad rows isolated, a failing database retried
        var repository = new TelemetryRepository(jdbi, partitions, SETTINGS, Clock.systemUTC());
        writer = new BatchWriter(BatchSettings.DEFAULTS,
                new IsolatingSink(new RetryingSink(repository, BatchSettings.DEFAULTS.retryMaxDelay())),
                WriterMetrics.unregistered());
    }

    @AfterEach
    void stop() {
        writer.close();
        engine.close();
    }

    @Test
    void rejects_only_the_row_the_database_refuses_and_stores_the_rest_of_its_batch() throws Exception {
        engine.execute("ALTER TABLE vehicle_telemetry_history ADD CONSTRAINT no_v666 CHECK (vehicle_id <> 'V666')");
        List<Write> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            batch.add(vehicle(i == 17 ? "V666" : "V" + i, NOW.minusSeconds(60)));
        }

        List<Outcome> outcomes = commit(batch);

        assertThat(outcomes.get(17).status()).isEqualTo(Outcome.Status.REJECTED);
        assertThat(outcomes.get(17).problems().get(0).message())
                .startsWith("the database refused it: ").contains("no_v666");
        assertThat(outcomes).filteredOn(outcome -> outcome.status() == Outcome.Status.STORED).hasSize(49);
        assertThat(engine.count("SELECT count(*) FROM vehicle_telemetry_history")).isEqualTo(49);
        assertThat(engine.count("SELECT count(*) FROM vehicle_live_status")).isEqualTo(49);
        assertThat(engine.queryValue("SELECT device_id FROM rejected_telemetry")).isEqualTo("V666");
        assertThat(engine.queryValue("SELECT convert_from(payload, 'UTF8') FROM rejected_telemetry").toString())
                .startsWith("{\"type\":\"vehicle\",\"vehicleId\":\"V666\"");
    }

    @Test
    void creates_the_partition_of_a_late_reading_on_demand() throws Exception {
        Instant late = NOW.minus(40, ChronoUnit.DAYS);

        List<Outcome> outcomes = commit(List.of(meter("M1", late, "1.5"), meter("M1", NOW.minusSeconds(5), "0.5")));

        assertThat(outcomes).containsOnly(Outcome.STORED);
        assertThat(engine.count("SELECT count(*) FROM pg_class WHERE relname = 'meter_telemetry_history_p"
                + day(late) + "'")).isEqualTo(1);
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history_p" + day(late))).isEqualTo(1);
        assertThat(engine.queryValue("SELECT indexdef FROM pg_indexes WHERE tablename = 'meter_telemetry_history_p"
                + day(late) + "'").toString()).contains("UNIQUE INDEX").contains("(meter_id, ts) INCLUDE (kwh_consumed_ac)");
        assertThat(engine.count("SELECT count(*) FROM meter_live_status WHERE ts = '" + NOW.minusSeconds(5) + "'")).isEqualTo(1);
    }

    @Test
    void recreates_a_partition_dropped_behind_its_back_without_rejecting_anything() throws Exception {
        commit(List.of(meter("M2", NOW.minusSeconds(120), "1")));
        engine.execute("DROP TABLE meter_telemetry_history_p" + day(NOW.minusSeconds(60)));

        List<Outcome> outcomes = commit(List.of(meter("M2", NOW.minusSeconds(60), "2")));

        assertThat(outcomes).containsExactly(Outcome.STORED);
        assertThat(engine.count("SELECT count(*) FROM rejected_telemetry")).isZero();
    }

    @Test
    void stores_a_row_sent_twice_in_one_batch_once_and_moves_the_live_row_to_the_newest() throws Exception {
        List<Outcome> outcomes = commit(List.of(
                meter("M3", NOW.minusSeconds(30), "3"),
                meter("M3", NOW.minusSeconds(90), "1"),
                meter("M3", NOW.minusSeconds(30), "3"),
                vehicle("M3", NOW.minusSeconds(30))));

        assertThat(outcomes).containsExactly(Outcome.STORED, Outcome.STORED, Outcome.DUPLICATE, Outcome.STORED);
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history")).isEqualTo(2);
        assertThat(engine.queryValue("SELECT kwh_consumed_ac FROM meter_live_status WHERE meter_id = 'M3'"))
                .isEqualTo(new BigDecimal("3"));
    }

    @Test
    void records_rejections_with_the_payload_capped() throws Exception {
        byte[] payload = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
        Rejection rejection = new Rejection(Envelope.http(payload, NOW), DeviceKind.VEHICLE, "V9", payload,
                List.of(new Problem("soc", "soc must be between 0 and 100%")));

        List<Outcome> outcomes = commit(List.of(new Write.RecordRejection(rejection)));

        assertThat(outcomes.get(0).status()).isEqualTo(Outcome.Status.REJECTED);
        assertThat(engine.count("SELECT octet_length(payload) FROM rejected_telemetry")).isEqualTo(64);
        assertThat(engine.count("SELECT payload_size FROM rejected_telemetry")).isEqualTo(100);
        assertThat(engine.queryValue("SELECT reasons->0->>'message' FROM rejected_telemetry"))
                .isEqualTo("soc must be between 0 and 100%");
    }

    @Test
    void retention_drops_whole_days_past_the_window_old_rejections_and_alarms_cleared_long_ago() throws Exception {
        Instant old = NOW.minus(100, ChronoUnit.DAYS);
        partitions.createAhead(old, 0);
        engine.execute("INSERT INTO meter_telemetry_history VALUES ('M4', '" + old + "', 1, 230, '" + old + "')");
        engine.execute("INSERT INTO rejected_telemetry (received_at, source, payload, payload_size, reasons) "
                + "VALUES ('" + old + "', 'mqtt', '\\x00', 1, '[]')");
        engine.execute("INSERT INTO alarm (rule, device_kind, device_id, raised_at, latest_at, cleared_at) VALUES "
                + "('silent', 'meter', 'M-gone', '" + old + "', '" + old + "', '" + old + "'), "
                + "('silent', 'meter', 'M-open', '" + old + "', '" + old + "', NULL), "
                + "('silent', 'meter', 'M-recent', '" + old + "', '" + old + "', '" + NOW.minus(1, ChronoUnit.DAYS) + "')");
        engine.execute("INSERT INTO alarm_event (alarm_id, type, at) SELECT id, 'raised', raised_at FROM alarm");
        commit(List.of(meter("M4", NOW.minusSeconds(10), "1")));

        new Retention(jdbi, partitions, SETTINGS).run(NOW);

        assertThat(engine.count("SELECT count(*) FROM pg_class WHERE relname LIKE '%_p" + day(old) + "'")).isZero();
        assertThat(engine.count("SELECT count(*) FROM meter_telemetry_history")).isEqualTo(1);
        assertThat(engine.count("SELECT count(*) FROM rejected_telemetry")).isZero();
        assertThat(engine.database().strings("SELECT device_id FROM alarm ORDER BY device_id"))
                .containsExactly("M-open", "M-recent");
        assertThat(engine.count("SELECT count(*) FROM alarm_event")).isEqualTo(2);
        assertThat(engine.count("SELECT count(*) FROM pg_class WHERE relname = 'vehicle_telemetry_history_p"
                + day(NOW.plus(2, ChronoUnit.DAYS)) + "'")).isEqualTo(1);
    }

    private List<Outcome> commit(List<Write> writes) throws Exception {
        List<CompletableFuture<Outcome>> futures = writer.trySubmit(writes).orElseThrow();
        List<Outcome> outcomes = new ArrayList<>();
        for (CompletableFuture<Outcome> future : futures) {
            outcomes.add(future.get(20, TimeUnit.SECONDS));
        }
        return outcomes;
    }

    private static Write meter(String id, Instant ts, String kwh) {
        return new Write.StoreReading(new MeterReading(id, ts, new BigDecimal(kwh), 230),
                Envelope.mqtt("meters/" + id, new byte[0], NOW));
    }

    private static Write vehicle(String id, Instant ts) {
        return new Write.StoreReading(new VehicleReading(id, ts, 50, new BigDecimal("0.5"), 30),
                Envelope.http(new byte[0], NOW));
    }

    private static String day(Instant instant) {
        return LocalDate.ofInstant(instant, ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);
    }
}
