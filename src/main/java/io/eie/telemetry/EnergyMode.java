package io.eie.telemetry;

import java.util.Optional;

/**
 * How a device reports energy. Most report the energy of each interval (kWh since their previous
 * report); many real meters and chargers report a cumulative register instead (OCPP's
 * {@code Energy.Active.Import.Register}), from which the energy of an interval is the difference
 * between consecutive readings, and a drop is a counter reset.
 */
public enum EnergyMode {
    INTERVAL("interval"),
    REGISTER("register");

    private final String label;

    EnergyMode(String label) {
        this.label = label;
    }

    /** The name on the wire and in the database: {@code interval} or {@code register}. */
    public String label() {
        return label;
    }

    public static Optional<EnergyMode> fromLabel(String label) {
        for (EnergyMode mode : values()) {
            if (mode.label.equals(label)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }
}
