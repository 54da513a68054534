package io.eie.simulator;

import io.eie.physics.ChargingPair;
import com.hivemq.client.mqtt.datatypes.MqttTopic;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

/**
 * Plays the fleet's reports in simulated time: every device reports once per interval, each
 * pair at its own moment within the interval (so the fleet does not report all at once), each report
 * carrying the energy of the interval it closes. The simulated clock runs at {@code speed} times
 * real time until it catches up with the wall clock (devices cannot report the future), or, for
 * a backfill, as fast as the broker takes the reports.
 */
public final class Simulation {

    private static final long HOUR = 3_600_000L;

    /**
     * @param start           simulated time of the first reports (epoch ms)
     * @param end             simulated time at which to stop; {@code Long.MAX_VALUE} to run until stopped
     * @param asFastAsPossible a backfill: ignore the wall clock
     */
    public record Settings(long intervalMillis, double speed, long start, long end, boolean asFastAsPossible,
                    double invalidRatio, double duplicateRatio, double outOfOrderRatio, double futureRatio,
                    String topicPrefix, long seed) {
    }

    public final LongAdder reports = new LongAdder();
    public final LongAdder invalid = new LongAdder();
    public final LongAdder duplicates = new LongAdder();
    public final LongAdder outOfOrder = new LongAdder();
    public final LongAdder future = new LongAdder();

    /** Where reports go: the fleet's MQTT connections, or anything else that takes them. */
    @FunctionalInterface
    public interface Publisher {
        void publish(int device, MqttTopic topic, String payload) throws InterruptedException;
    }

    /** Called before each publish; may wait, to keep the fleet from running too far ahead of a consumer. */
    @FunctionalInterface
    public interface Pacer {
        Pacer NONE = () -> { };

        void awaitTurn() throws InterruptedException;
    }

    private final Fleet fleet;
    private final Publisher connections;
    private final Settings settings;
    private final Pacer pacer;
    private final SplittableRandom random;
    private final long[] next;
    private final MqttTopic[] topics;
    /** A report held back to go out after the device's next one (out of order on purpose). */
    private final String[] held;
    private volatile long simulatedNow;

    public Simulation(Fleet fleet, Publisher connections, Settings settings) {
        this(fleet, connections, settings, Pacer.NONE);
    }

    public Simulation(Fleet fleet, Publisher connections, Settings settings, Pacer pacer) {
        this.fleet = fleet;
        this.connections = connections;
        this.settings = settings;
        this.pacer = pacer;
        this.random = new SplittableRandom(settings.seed());
        int devices = fleet.devices();
        this.next = new long[devices];
        this.topics = new MqttTopic[devices];
        this.held = new String[devices];
        long[] phases = new long[fleet.size()];
        for (int pair = 0; pair < phases.length; pair++) {
            phases[pair] = (long) (random.nextDouble() * settings.intervalMillis());
        }
        for (int device = 0; device < devices; device++) {
            // a vehicle and its meter report at the same moment, as a charger relaying both does
            next[device] = firstAtOrAfter(settings.start(), phases[device % phases.length], settings.intervalMillis());
            topics[device] = MqttTopic.of(settings.topicPrefix() + (fleet.isVehicle(device) ? "vehicles/" : "meters/")
                    + fleet.deviceId(device));
        }
        this.simulatedNow = settings.start();
    }

    /** The first time at or after {@code from} on the device's grid ({@code phase + k * interval}). */
    static long firstAtOrAfter(long from, long phase, long interval) {
        long k = Math.floorDiv(from - phase + interval - 1, interval);
        return phase + k * interval;
    }

    /** Plays reports until the end, or until {@code stop} says so. */
    public void run(BooleanSupplier stop) throws InterruptedException {
        // Every device reports once per interval, so the order in which they report never
        // changes: sort them once by their first report, then go round and round.
        int[] order = IntStream.range(0, next.length).boxed()
                .sorted(Comparator.comparingLong(device -> next[device]))
                .mapToInt(Integer::intValue)
                .toArray();
        long wallStart = System.currentTimeMillis();
        int position = 0;
        while (order.length > 0 && !stop.getAsBoolean()) {
            int device = order[position];
            long at = next[device];
            if (at >= settings.end()) {
                break;
            }
            if (!settings.asFastAsPossible() && !waitFor(at, wallStart, stop)) {
                break;
            }
            simulatedNow = at;
            report(device, at);
            next[device] = at + settings.intervalMillis();
            position = position + 1 == order.length ? 0 : position + 1;
        }
        for (int device = 0; device < held.length; device++) {
            if (held[device] != null) {
                connections.publish(device, topics[device], held[device]);
                held[device] = null;
            }
        }
    }

    /** Sleeps until the simulated clock reaches {@code at}; false when told to stop meanwhile. */
    private boolean waitFor(long at, long wallStart, BooleanSupplier stop) throws InterruptedException {
        long wallAt = Math.max(wallStart + (long) ((at - settings.start()) / settings.speed()), at);
        long sleep;
        while ((sleep = wallAt - System.currentTimeMillis()) > 0) {
            if (stop.getAsBoolean()) {
                return false;
            }
            Thread.sleep(Math.min(sleep, 100));
        }
        return true;
    }

    private void report(int device, long at) throws InterruptedException {
        long stamped = at;
        if (settings.futureRatio() > 0 && random.nextDouble() < settings.futureRatio()) {
            stamped = at + HOUR;
            future.increment();
        }
        String payload = payload(device, at, stamped);
        if (settings.invalidRatio() > 0 && random.nextDouble() < settings.invalidRatio()) {
            payload = Payloads.corrupt(payload, random);
            invalid.increment();
        }
        reports.increment();
        pacer.awaitTurn();
        if (settings.outOfOrderRatio() > 0 && held[device] == null && random.nextDouble() < settings.outOfOrderRatio()) {
            held[device] = payload;
            outOfOrder.increment();
            return;
        }
        connections.publish(device, topics[device], payload);
        if (settings.duplicateRatio() > 0 && random.nextDouble() < settings.duplicateRatio()) {
            connections.publish(device, topics[device], payload);
            duplicates.increment();
        }
        if (held[device] != null) {
            connections.publish(device, topics[device], held[device]);
            held[device] = null;
        }
    }

    /** The report a device makes at {@code at} for the interval it closes, stamped {@code stamped}. */
    private String payload(int device, long at, long stamped) {
        ChargingPair pair = fleet.pairOf(device);
        long from = at - settings.intervalMillis();
        return fleet.isVehicle(device)
                ? Payloads.vehicle(pair.vehicleId, pair.soc(at), pair.dcKwh(from, at), pair.batteryTemp(at), stamped)
                : Payloads.meter(pair.meterId, pair.acKwh(from, at), pair.voltage(at), stamped);
    }

    /** The simulated time of the latest report played. */
    public long simulatedNow() {
        return simulatedNow;
    }
}
