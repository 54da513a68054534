package io.eie.seed;

import io.eie.physics.ChargingPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small fleet of vehicles, each with the meter that feeds it, and the readings they report
 * every minute over a window: the device simulator's physics ({@link ChargingPair}), played at
 * once instead of in time. The same ids, window start and seed give the same readings, to the
 * digit, which is what makes seeding twice harmless.
 */
public final class DemoFleet {

    private static final long MINUTE = 60_000L;

    private final List<ChargingPair> pairs;
    private final Instant start;
    private final Duration length;

    public DemoFleet(int vehicles, String vehiclePrefix, String meterPrefix, double faultyShare, Instant start,
                     Duration length, long seed) {
        this.start = start;
        this.length = length;
        this.pairs = new ArrayList<>(vehicles);
        for (int i = 1; i <= vehicles; i++) {
            pairs.add(new ChargingPair(id(vehiclePrefix, i, vehicles), id(meterPrefix, i, vehicles), faultyShare,
                    start.toEpochMilli(), length.toMillis() + MINUTE, seed * 1_000_003L + i));
        }
    }

    /** The id of the {@code number}th device of a fleet of this size: {@code DEMO-V001}, say. */
    public static String id(String prefix, int number, int fleetSize) {
        int width = Math.max(3, Integer.toString(fleetSize).length());
        return prefix + String.format(Locale.ROOT, "%0" + width + "d", number);
    }

    public List<ChargingPair> pairs() {
        return pairs;
    }

    public Instant start() {
        return start;
    }

    public Instant end() {
        return start.plus(length);
    }

    /** Readings in the wire format, minute by minute after the start up to the end, vehicle and meter of each pair. */
    public List<String> readings() {
        List<String> readings = new ArrayList<>((int) (2 * pairs.size() * length.toMinutes()));
        for (long at = start.toEpochMilli() + MINUTE; at <= end().toEpochMilli(); at += MINUTE) {
            Instant timestamp = Instant.ofEpochMilli(at);
            for (ChargingPair pair : pairs) {
                readings.add(String.format(Locale.ROOT,
                        "{\"vehicleId\":\"%s\",\"soc\":%.2f,\"kwhDeliveredDc\":%.4f,\"batteryTemp\":%.1f,\"timestamp\":\"%s\"}",
                        pair.vehicleId, pair.soc(at), pair.dcKwh(at - MINUTE, at), pair.batteryTemp(at), timestamp));
                readings.add(String.format(Locale.ROOT,
                        "{\"meterId\":\"%s\",\"kwhConsumedAc\":%.4f,\"voltage\":%.1f,\"timestamp\":\"%s\"}",
                        pair.meterId, pair.acKwh(at - MINUTE, at), pair.voltage(at), timestamp));
            }
        }
        return readings;
    }
}
