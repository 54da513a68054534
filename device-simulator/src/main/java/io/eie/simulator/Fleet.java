package io.eie.simulator;

import io.eie.physics.ChargingPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The simulated fleet: vehicles and meters paired one to one. Device {@code i} is vehicle
 * {@code i} for {@code i < pairs} and meter {@code i - pairs} after that.
 */
public final class Fleet {

    private final List<ChargingPair> pairs;

    private Fleet(List<ChargingPair> pairs) {
        this.pairs = pairs;
    }

    /**
     * @param keepMillis how far back in time a pair may be asked about, behind the latest time asked
     */
    public static Fleet create(int size, String vehiclePrefix, String meterPrefix, double faultyShare, long start,
                        long keepMillis, long seed) {
        int width = Math.max(5, Integer.toString(size).length());
        List<ChargingPair> pairs = new ArrayList<>(size);
        for (int i = 1; i <= size; i++) {
            String number = String.format(Locale.ROOT, "%0" + width + "d", i);
            pairs.add(new ChargingPair(vehiclePrefix + number, meterPrefix + number, faultyShare, start, keepMillis,
                    seed * 1_000_003L + i));
        }
        return new Fleet(pairs);
    }

    public int size() {
        return pairs.size();
    }

    public int devices() {
        return 2 * pairs.size();
    }

    public ChargingPair pair(int index) {
        return pairs.get(index);
    }

    public List<ChargingPair> pairs() {
        return pairs;
    }

    boolean isVehicle(int device) {
        return device < pairs.size();
    }

    ChargingPair pairOf(int device) {
        return pairs.get(device % pairs.size());
    }

    String deviceId(int device) {
        ChargingPair pair = pairOf(device);
        return isVehicle(device) ? pair.vehicleId : pair.meterId;
    }

    public long faultyChargers() {
        return pairs.stream().filter(pair -> pair.faulty).count();
    }

    /** Writes what is known only to the simulator (each charger's efficiency), for checking the analytics. */
    public void write(Path file) throws IOException {
        StringBuilder json = new StringBuilder("[\n");
        for (int i = 0; i < pairs.size(); i++) {
            ChargingPair pair = pairs.get(i);
            json.append(String.format(Locale.ROOT,
                    "  {\"vehicleId\": \"%s\", \"meterId\": \"%s\", \"chargerKw\": %s, \"batteryKwh\": %s, "
                            + "\"efficiency\": %.4f, \"faulty\": %s}%s%n",
                    pair.vehicleId, pair.meterId, pair.chargerKw, pair.batteryKwh, pair.efficiency, pair.faulty,
                    i + 1 < pairs.size() ? "," : ""));
        }
        Files.writeString(file, json.append("]\n"), StandardCharsets.UTF_8);
    }
}
