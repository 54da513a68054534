package io.eie.simulator;

import java.time.Instant;
import java.util.SplittableRandom;

/** Reports in the wire format, and the kinds of garbage real devices send. */
public final class Payloads {

    /** Ways a device gets a report wrong. */
    enum Corruption {
        OUT_OF_RANGE, NEGATIVE_ENERGY, NUMBER_AS_STRING, NO_TIMESTAMP, TIMESTAMP_WITHOUT_ZONE, TRUNCATED
    }

    private Payloads() {
    }

    public static String vehicle(String vehicleId, double soc, double kwhDeliveredDc, double batteryTemp, long timestamp) {
        StringBuilder json = new StringBuilder(128).append("{\"vehicleId\":\"").append(vehicleId).append("\",\"soc\":");
        fixed(json, soc, 2).append(",\"kwhDeliveredDc\":");
        fixed(json, kwhDeliveredDc, 4).append(",\"batteryTemp\":");
        fixed(json, batteryTemp, 1).append(",\"timestamp\":\"").append(Instant.ofEpochMilli(timestamp)).append("\"}");
        return json.toString();
    }

    public static String meter(String meterId, double kwhConsumedAc, double voltage, long timestamp) {
        StringBuilder json = new StringBuilder(112).append("{\"meterId\":\"").append(meterId).append("\",\"kwhConsumedAc\":");
        fixed(json, kwhConsumedAc, 4).append(",\"voltage\":");
        fixed(json, voltage, 1).append(",\"timestamp\":\"").append(Instant.ofEpochMilli(timestamp)).append("\"}");
        return json.toString();
    }

    /** A report spoiled in one of the ways of {@link Corruption}, chosen at random. */
    static String corrupt(String payload, SplittableRandom random) {
        Corruption corruption = Corruption.values()[random.nextInt(Corruption.values().length)];
        return corrupt(payload, corruption);
    }

    static String corrupt(String payload, Corruption corruption) {
        return switch (corruption) {
            case OUT_OF_RANGE -> payload.contains("\"soc\":")
                    ? payload.replaceFirst("\"soc\":[^,]*", "\"soc\":150")
                    : payload.replaceFirst("\"voltage\":[^,]*", "\"voltage\":5000");
            case NEGATIVE_ENERGY -> payload.replaceFirst("(\"kwh\\w+\":)[^,]*", "$1-1.5");
            case NUMBER_AS_STRING -> payload.replaceFirst("(\"kwh\\w+\":)([^,]*)", "$1\"$2\"");
            case NO_TIMESTAMP -> payload.replaceFirst(",\"timestamp\":\"[^\"]*\"", "");
            case TIMESTAMP_WITHOUT_ZONE -> payload.replaceFirst("(\\.\\d+)?Z\"}$", "\"}");
            case TRUNCATED -> payload.substring(0, payload.length() / 2);
        };
    }

    /** Appends {@code value} with exactly {@code decimals} decimals, without going through a formatter. */
    public static StringBuilder fixed(StringBuilder json, double value, int decimals) {
        long scale = (long) Math.pow(10, decimals);
        long scaled = Math.round(Math.abs(value) * scale); // half away from zero, either side
        if (value < 0 && scaled != 0) {
            json.append('-');
        }
        json.append(scaled / scale);
        if (decimals > 0) {
            String fraction = Long.toString(scaled % scale);
            json.append('.');
            for (int i = fraction.length(); i < decimals; i++) {
                json.append('0');
            }
            json.append(fraction);
        }
        return json;
    }
}
