package io.eie.storage;

import io.eie.telemetry.DeviceKind;
import io.eie.telemetry.EnergyMode;

/**
 * The SQL that turns what a device reported into energy, in one place for the writer (hourly
 * rollups), mode changes (rebuilding them) and the analytics (raw history). The two kinds share
 * the shape of their tables, so each query is written once with the kind's names filled in.
 */
public final class EnergySql {

    /** Where a kind's readings live, and the column that carries its energy. */
    public record Tables(String history, String hourly, String id, String energy) {
    }

    private static final Tables METER = new Tables("meter_telemetry_history", "meter_hourly", "meter_id", "kwh_consumed_ac");
    private static final Tables VEHICLE =
            new Tables("vehicle_telemetry_history", "vehicle_hourly", "vehicle_id", "kwh_delivered_dc");

    /**
     * A register device's energy over {@code [from, to)}: each reading's rise over the reading
     * before it (which may lie before {@code from}), a drop counting as a reset from the new value;
     * the first reading a device ever sends has nothing to rise from and counts 0. Columns
     * {@code kwh}, {@code resets}, {@code readings}. The arguments are SQL expressions.
     */
    private static final String REGISTER_ENERGY = """
            SELECT coalesce(sum(CASE WHEN previous IS NULL THEN 0
                                     WHEN value >= previous THEN value - previous
                                     ELSE value END), 0) AS kwh,
                   count(*) FILTER (WHERE value < previous) AS resets,
                   count(*) AS readings
            FROM (SELECT ts, value, lag(value) OVER (ORDER BY ts) AS previous
                  FROM ((SELECT ts, {energy} AS value FROM {history}
                         WHERE {id} = {device} AND ts < {from} ORDER BY ts DESC LIMIT 1)
                        UNION ALL
                        (SELECT ts, {energy} FROM {history}
                         WHERE {id} = {device} AND ts >= {from} AND ts < {to})) readings
                 ) deltas
            WHERE ts >= {from}""";

    /** An interval device's energy over {@code [from, to)}: the sum of its readings. Same columns. */
    private static final String INTERVAL_ENERGY = """
            SELECT coalesce(sum({energy}), 0) AS kwh, 0 AS resets, count(*) AS readings
            FROM {history}
            WHERE {id} = {device} AND ts >= {from} AND ts < {to}""";

    /**
     * The energy and resets of every hour of the devices that {@code {filter}} selects in
     * history, computed in one pass over their readings in time order: what the hourly rollups
     * hold for them in this mode.
     */
    private static final String REBUILD_REGISTER = """
            UPDATE {hourly} AS rollup SET kwh = energy.kwh, resets = energy.resets
            FROM (SELECT {id}, date_trunc('hour', ts, 'UTC') AS hour,
                         coalesce(sum(CASE WHEN previous IS NULL THEN 0
                                           WHEN value >= previous THEN value - previous
                                           ELSE value END), 0) AS kwh,
                         count(*) FILTER (WHERE value < previous) AS resets
                  FROM (SELECT {id}, ts, {energy} AS value,
                               lag({energy}) OVER (PARTITION BY {id} ORDER BY ts) AS previous
                        FROM {history} WHERE {filter}) deltas
                  GROUP BY 1, 2) energy
            WHERE rollup.{id} = energy.{id} AND rollup.hour = energy.hour""";

    private static final String REBUILD_INTERVAL = """
            UPDATE {hourly} AS rollup SET kwh = energy.kwh, resets = 0
            FROM (SELECT {id}, date_trunc('hour', ts, 'UTC') AS hour, sum({energy}) AS kwh
                  FROM {history} WHERE {filter}
                  GROUP BY 1, 2) energy
            WHERE rollup.{id} = energy.{id} AND rollup.hour = energy.hour""";

    private EnergySql() {
    }

    public static Tables tables(DeviceKind kind) {
        return kind == DeviceKind.METER ? METER : VEHICLE;
    }

    /**
     * A query for one device's energy over {@code [from, to)} in this mode, with columns
     * {@code kwh}, {@code resets} and {@code readings}; the arguments are SQL expressions, such
     * as {@code :meterId} or {@code link.meter_id}.
     */
    public static String energy(DeviceKind kind, EnergyMode mode, String device, String from, String to) {
        return fill(mode == EnergyMode.REGISTER ? REGISTER_ENERGY : INTERVAL_ENERGY, kind)
                .replace("{device}", device)
                .replace("{from}", from)
                .replace("{to}", to);
    }

    /** Sets the energy of the hourly rollups of the history rows {@code filter} selects, as in {@code mode}. */
    static String rebuild(DeviceKind kind, EnergyMode mode, String filter) {
        return fill(mode == EnergyMode.REGISTER ? REBUILD_REGISTER : REBUILD_INTERVAL, kind).replace("{filter}", filter);
    }

    /**
     * A condition that holds for the devices of this kind whose energy mode is
     * {@code register}: their own setting, or the default bound as {@code :defaultMode}. Its first
     * part, evaluated once per statement, spares the per-device lookups where no device of the
     * kind reports a register (the common case).
     */
    static String isRegister(DeviceKind kind, String device) {
        String kindName = "'" + kind.typeName() + "'";
        return anyRegister(kind)
                + " AND coalesce((SELECT mode FROM device_energy_mode WHERE kind = " + kindName + " AND device_id = "
                + device + "), :defaultMode) = 'register'";
    }

    /**
     * Whether any device of this kind may report a register: the default bound as
     * {@code :defaultMode} says so, or some device's own setting does.
     */
    static String anyRegister(DeviceKind kind) {
        return "(:defaultMode = 'register' OR EXISTS (SELECT 1 FROM device_energy_mode WHERE kind = '" + kind.typeName()
                + "' AND mode = 'register'))";
    }

    private static String fill(String template, DeviceKind kind) {
        Tables tables = tables(kind);
        return template.replace("{history}", tables.history())
                .replace("{hourly}", tables.hourly())
                .replace("{id}", tables.id())
                .replace("{energy}", tables.energy());
    }
}
