package io.eie.storage;

import io.eie.telemetry.DeviceKind;
import io.eie.telemetry.EnergyMode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How each device reports energy: its own setting, or the configured default for its kind. The
 * hourly rollups depend on it, so a change rebuilds them: for one device when its setting
 * changes, for every device that follows the default when the default changes between runs.
 *
 * <p>A rebuild locks the kind's rollup table against writes (reads go on): it waits for the
 * writer's open transaction, whose rollup increments follow the old mode, and holds the next one
 * back until the rebuilt rows and the new mode are committed together.
 */
public final class EnergyModes {

    private static final Logger log = LoggerFactory.getLogger(EnergyModes.class);

    /** The mode of every device of a kind that has no setting of its own. */
    public record Defaults(EnergyMode meter, EnergyMode vehicle) {

        public static final Defaults INTERVAL = new Defaults(EnergyMode.INTERVAL, EnergyMode.INTERVAL);

        public EnergyMode of(DeviceKind kind) {
            return kind == DeviceKind.METER ? meter : vehicle;
        }
    }

    /** A device's mode, and whether it is the device's own setting or the default. */
    public record Setting(EnergyMode mode, boolean ownSetting) {
    }

    private static final ClasspathSqlLocator SQL = ClasspathSqlLocator.create();
    private static final String GET = SQL.locate(EnergyModes.class, "get");
    private static final String SET = SQL.locate(EnergyModes.class, "set");
    private static final String ALL = SQL.locate(EnergyModes.class, "all");
    private static final String STORED_DEFAULT = SQL.locate(EnergyModes.class, "storedDefault");
    private static final String STORE_DEFAULT = SQL.locate(EnergyModes.class, "storeDefault");

    /** A kind's statements: its rollups' lock, who follows the default, and a rebuild per mode. */
    private record Statements(String lockRollups, String onDefault, String rebuildInterval, String rebuildRegister) {

        static Statements of(String lockRollups, String onDefault, String rebuildInterval, String rebuildRegister) {
            return new Statements(SQL.locate(EnergyModes.class, lockRollups), SQL.locate(EnergyModes.class, onDefault),
                    SQL.locate(EnergyModes.class, rebuildInterval), SQL.locate(EnergyModes.class, rebuildRegister));
        }

        String rebuild(EnergyMode mode) {
            return mode == EnergyMode.REGISTER ? rebuildRegister : rebuildInterval;
        }
    }

    private static final Statements METER = Statements.of("lockMeterRollups", "metersOnDefault", "rebuildMetersInterval",
            "rebuildMetersRegister");
    private static final Statements VEHICLE = Statements.of("lockVehicleRollups", "vehiclesOnDefault",
            "rebuildVehiclesInterval", "rebuildVehiclesRegister");

    private final Jdbi jdbi;
    private final Defaults defaults;
    /** Every device's own setting, as {@code meter:M2001}: for validating readings without a query each. */
    private volatile Map<String, EnergyMode> known = Map.of();

    public EnergyModes(Jdbi jdbi, Defaults defaults) {
        this.jdbi = jdbi;
        this.defaults = defaults;
    }

    /**
     * Whether the device reports a cumulative register, as last read from the database: by
     * {@link #refresh()} (at start and every few seconds, for settings another instance made) or
     * by {@link #set} on this instance.
     */
    public boolean reportsRegister(DeviceKind kind, String deviceId) {
        return known.getOrDefault(kind.typeName() + ":" + deviceId, defaults.of(kind)) == EnergyMode.REGISTER;
    }

    /** Reads every device's own setting again. */
    public synchronized void refresh() {
        Map<String, EnergyMode> settings = new HashMap<>();
        jdbi.useHandle(handle -> handle.createQuery(ALL)
                .map((rs, ctx) -> Map.entry(rs.getString("kind") + ":" + rs.getString("device_id"),
                        EnergyMode.fromLabel(rs.getString("mode")).orElseThrow()))
                .forEach(entry -> settings.put(entry.getKey(), entry.getValue())));
        known = Map.copyOf(settings);
    }

    public Defaults defaults() {
        return defaults;
    }

    public Setting get(DeviceKind kind, String deviceId) {
        return jdbi.withHandle(handle -> own(handle, kind, deviceId))
                .map(mode -> new Setting(mode, true))
                .orElseGet(() -> new Setting(defaults.of(kind), false));
    }

    /** Sets a device's mode and rebuilds its hourly rollups accordingly, in one transaction. */
    public Setting set(DeviceKind kind, String deviceId, EnergyMode mode) {
        jdbi.useTransaction(handle -> {
            lockRollups(handle, kind);
            Optional<EnergyMode> before = own(handle, kind, deviceId);
            handle.createUpdate(SET).bind("kind", kind.typeName()).bind("deviceId", deviceId).bind("mode", mode.label())
                    .execute();
            if (before.orElse(defaults.of(kind)) != mode) {
                int hours = rebuild(handle, kind, mode, List.of(deviceId));
                log.info("{} {} now reports {} energy; {} hourly rollups rebuilt", kind.typeName(), deviceId,
                        mode.label(), hours);
            }
        });
        synchronized (this) {
            Map<String, EnergyMode> settings = new HashMap<>(known);
            settings.put(kind.typeName() + ":" + deviceId, mode);
            known = Map.copyOf(settings);
        }
        return new Setting(mode, true);
    }

    /**
     * Rebuilds the rollups of the devices that follow a default which differs from the one they
     * were computed with (the configuration changed since the last run), and records the new one.
     */
    public void reconcileDefaults() {
        for (DeviceKind kind : DeviceKind.values()) {
            String name = kind.typeName() + "_energy_mode";
            EnergyMode wanted = defaults.of(kind);
            jdbi.useTransaction(handle -> {
                EnergyMode stored = storedDefault(handle, name);
                if (stored == wanted) {
                    return;
                }
                lockRollups(handle, kind);
                stored = storedDefault(handle, name); // another instance may have rebuilt meanwhile
                if (stored == wanted) {
                    return;
                }
                log.info("The default energy mode of {}s changed from {} to {}; rebuilding their hourly rollups",
                        kind.typeName(), stored.label(), wanted.label());
                List<String> followers = handle.createQuery(statements(kind).onDefault()).mapTo(String.class).list();
                int hours = rebuild(handle, kind, wanted, followers);
                handle.createUpdate(STORE_DEFAULT).bind("name", name).bind("value", wanted.label()).execute();
                log.info("Rebuilt {} hourly rollups of {}s", hours, kind.typeName());
            });
        }
    }

    private static EnergyMode storedDefault(Handle handle, String name) {
        return EnergyMode.fromLabel(handle.createQuery(STORED_DEFAULT).bind("name", name).mapTo(String.class).one())
                .orElseThrow();
    }

    private static Optional<EnergyMode> own(Handle handle, DeviceKind kind, String deviceId) {
        return handle.createQuery(GET).bind("kind", kind.typeName()).bind("deviceId", deviceId)
                .mapTo(String.class).findOne().flatMap(EnergyMode::fromLabel);
    }

    /** Sets the energy of the devices' hourly rollups as in {@code mode}; returns the rows it set. */
    private static int rebuild(Handle handle, DeviceKind kind, EnergyMode mode, List<String> deviceIds) {
        return handle.createUpdate(statements(kind).rebuild(mode)).bind("deviceIds", deviceIds.toArray(String[]::new))
                .execute();
    }

    private static void lockRollups(Handle handle, DeviceKind kind) {
        handle.execute(statements(kind).lockRollups());
    }

    private static Statements statements(DeviceKind kind) {
        return kind == DeviceKind.METER ? METER : VEHICLE;
    }
}
