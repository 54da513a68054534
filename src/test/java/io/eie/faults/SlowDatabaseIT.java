package io.eie.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.eie.testing.EngineExtension;
import io.eie.testing.OwnedBroker;
import io.eie.testing.ReadingStream;
import io.eie.testing.TestEngine;
import io.eie.testing.TestInfrastructure.TestDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A database slower than the devices (every insert into the history waits 100 ms): the writer's
 * queue fills and stays at its capacity, intake waits, the broker keeps the backlog, and what the
 * engine holds stays within its two bounds, {@code EIE_QUEUE_CAPACITY} queued writes and {@code
 * EIE_MQTT_RECEIVE_MAXIMUM} unacknowledged messages. Nothing is dropped.
 */
@ExtendWith(EngineExtension.class)
class SlowDatabaseIT {

    private static final int READINGS = 3_000;
    private static final int QUEUE_CAPACITY = 100;
    private static final int RECEIVE_MAXIMUM = 400;

    @ParameterizedTest(name = "{0}")
    @EnumSource(OwnedBroker.Kind.class)
    void holds_a_bounded_amount_while_the_database_lags_and_drops_nothing(OwnedBroker.Kind kind, TestDatabase database)
            throws Exception {
        assumeThat(kind.available()).as("Mosquitto is not installed on this machine").isTrue();
        try (OwnedBroker broker = OwnedBroker.start(kind, "slow-db-" + kind.name().toLowerCase());
             TestEngine engine = TestEngine.start(database, Map.of(
                     "EIE_MQTT_URL", broker.url(),
                     "EIE_QUEUE_CAPACITY", Integer.toString(QUEUE_CAPACITY),
                     "EIE_BATCH_SIZE", "50",
                     "EIE_HTTP_MAX_READINGS", "100",
                     "EIE_MQTT_RECEIVE_MAXIMUM", Integer.toString(RECEIVE_MAXIMUM)))) {
            database.execute("""
                    CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN PERFORM pg_sleep(0.1); RETURN NULL; END $$;
                    CREATE TRIGGER slow_insert AFTER INSERT ON vehicle_telemetry_history
                        FOR EACH STATEMENT EXECUTE FUNCTION slow_insert();
                    """);
            AtomicLong deepestQueue = new AtomicLong();
            AtomicLong mostUnacknowledged = new AtomicLong();
            AtomicLong largestBacklogAtBroker = new AtomicLong();

            try (ReadingStream fleet = ReadingStream.start(broker.host(), broker.port(), engine.topicPrefix(), READINGS,
                    50, READINGS, database::storedReadings)) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> {
                    deepestQueue.accumulateAndGet((long) engine.metric("eie_queue_depth"), Math::max);
                    mostUnacknowledged.accumulateAndGet((long) engine.metric("eie_mqtt_unacknowledged"), Math::max);
                    largestBacklogAtBroker.accumulateAndGet(fleet.published() - (long) engine.metric("eie_mqtt_received_total"),
                            Math::max);
                    return database.storedReadings() == READINGS;
                });
            }
            Thread.sleep(500); // a duplicate still on its way would show now

            assertThat(deepestQueue.get()).as("the writer's queue filled, and never beyond its capacity")
                    .isEqualTo(QUEUE_CAPACITY);
            // Mosquitto before 2.0.13 ignores the receive maximum once a backlog builds; the engine
            // then asks for the most MQTT allows rather than stall, and says so in this gauge
            long receiveMaximum = (long) engine.metric("eie_mqtt_receive_maximum");
            assertThat(receiveMaximum).isIn((long) RECEIVE_MAXIMUM, 65_535L);
            if (kind == OwnedBroker.Kind.ENGINE_BROKER) {
                assertThat(receiveMaximum).as("a broker that keeps to flow control").isEqualTo(RECEIVE_MAXIMUM);
            }
            assertThat(mostUnacknowledged.get()).as("unacknowledged messages held").isBetween(1L, receiveMaximum);
            if (receiveMaximum == RECEIVE_MAXIMUM) {
                assertThat(largestBacklogAtBroker.get()).as("the backlog waited at the broker, not in the engine")
                        .isGreaterThan(RECEIVE_MAXIMUM);
            }
            assertThat(database.storedReadings()).isEqualTo(READINGS);
            assertThat(database.count("SELECT count(*) FROM rejected_telemetry")).isZero();
        }
    }
}
