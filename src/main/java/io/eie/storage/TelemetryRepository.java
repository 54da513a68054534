package io.eie.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eie.telemetry.DeviceKind;
import io.eie.telemetry.EnergyMode;
import io.eie.telemetry.MeterReading;
import io.eie.telemetry.Problem;
import io.eie.telemetry.Reading;
import io.eie.telemetry.Rejection;
import io.eie.telemetry.VehicleReading;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Commits a batch of writes in one transaction: history rows appended (a device and timestamp
 * already stored is a duplicate, not an error), live rows moved forward only by newer readings,
 * refused payloads recorded.
 */
public final class TelemetryRepository implements BatchSink {

    // Columns travel as arrays, one per column, in one statement per table: timestamps and
    // energies as text (exact, and cheap to produce), cast back by PostgreSQL.
    private static final String METER_ROWS = """
            SELECT * FROM unnest(CAST(:meterId AS text[]), CAST(:ts AS timestamptz[]), CAST(:kwhConsumedAc AS numeric[]),
                                 CAST(:voltage AS float8[]), CAST(:receivedAt AS timestamptz[]))""";

    private static final String VEHICLE_ROWS = """
            SELECT * FROM unnest(CAST(:vehicleId AS text[]), CAST(:ts AS timestamptz[]), CAST(:soc AS float8[]),
                                 CAST(:kwhDeliveredDc AS numeric[]), CAST(:batteryTemp AS float8[]),
                                 CAST(:receivedAt AS timestamptz[]))""";

    /**
     * Appends what is new to history, adds it to the hourly rollups and moves the live rows
     * forward to the newest of it, in one statement; returns what it inserted (what it did not
     * was stored before). The rollups take sums: right for devices that report intervals, and put
     * right by {@link #REGISTER_METER_HOURS} for the others, which runs only where the statement
     * answers that a device of the kind may report a register (not the common case).
     *
     * <p>That answer is exact: the statement reads it in a snapshot taken after it holds its lock
     * on the rollups, and a change of energy mode takes a conflicting lock before it writes, so it
     * either committed before and is seen, or waits for this commit and rebuilds the hours itself.
     */
    private static final String INSERT_METER_HISTORY = """
            WITH inserted AS (
                INSERT INTO meter_telemetry_history (meter_id, ts, kwh_consumed_ac, voltage, received_at)
                """ + METER_ROWS + """

                ON CONFLICT DO NOTHING
                RETURNING meter_id, ts, kwh_consumed_ac, voltage, received_at
            ), hours AS (
                INSERT INTO meter_hourly AS rollup (meter_id, hour, readings, kwh, resets, voltage_sum, minutes)
                SELECT meter_id, date_trunc('hour', ts, 'UTC'), count(*), sum(kwh_consumed_ac), 0, sum(voltage),
                       bit_or(1::bigint << extract(minute FROM ts AT TIME ZONE 'UTC')::integer)
                FROM inserted
                GROUP BY 1, 2
                ORDER BY 1, 2
                ON CONFLICT (meter_id, hour) DO UPDATE
                SET readings = rollup.readings + excluded.readings, kwh = rollup.kwh + excluded.kwh,
                    voltage_sum = rollup.voltage_sum + excluded.voltage_sum, minutes = rollup.minutes | excluded.minutes
            ), live_rows AS (
                INSERT INTO meter_live_status AS live (meter_id, ts, kwh_consumed_ac, voltage, received_at)
                SELECT DISTINCT ON (meter_id) meter_id, ts, kwh_consumed_ac, voltage, received_at
                FROM inserted
                ORDER BY meter_id, ts DESC
                ON CONFLICT (meter_id) DO UPDATE
                SET ts = excluded.ts, kwh_consumed_ac = excluded.kwh_consumed_ac, voltage = excluded.voltage,
                    received_at = excluded.received_at
                WHERE live.ts < excluded.ts
            )
            SELECT meter_id, (EXTRACT(EPOCH FROM ts) * 1000000)::bigint, """ + EnergySql.anyRegister(DeviceKind.METER) + """

            FROM inserted
            """;

    private static final String INSERT_VEHICLE_HISTORY = """
            WITH inserted AS (
                INSERT INTO vehicle_telemetry_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at)
                """ + VEHICLE_ROWS + """

                ON CONFLICT DO NOTHING
                RETURNING vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at
            ), hours AS (
                INSERT INTO vehicle_hourly AS rollup (vehicle_id, hour, readings, kwh, resets, battery_temp_sum,
                                                      battery_temp_max, last_ts, last_soc, minutes)
                SELECT vehicle_id, date_trunc('hour', ts, 'UTC'), count(*), sum(kwh_delivered_dc), 0, sum(battery_temp),
                       max(battery_temp), max(ts), (array_agg(soc ORDER BY ts DESC))[1],
                       bit_or(1::bigint << extract(minute FROM ts AT TIME ZONE 'UTC')::integer)
                FROM inserted
                GROUP BY 1, 2
                ORDER BY 1, 2
                ON CONFLICT (vehicle_id, hour) DO UPDATE
                SET readings = rollup.readings + excluded.readings, kwh = rollup.kwh + excluded.kwh,
                    battery_temp_sum = rollup.battery_temp_sum + excluded.battery_temp_sum,
                    battery_temp_max = greatest(rollup.battery_temp_max, excluded.battery_temp_max),
                    last_soc = CASE WHEN excluded.last_ts > rollup.last_ts THEN excluded.last_soc ELSE rollup.last_soc END,
                    last_ts = greatest(rollup.last_ts, excluded.last_ts),
                    minutes = rollup.minutes | excluded.minutes
            ), live_rows AS (
                INSERT INTO vehicle_live_status AS live (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at)
                SELECT DISTINCT ON (vehicle_id) vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at
                FROM inserted
                ORDER BY vehicle_id, ts DESC
                ON CONFLICT (vehicle_id) DO UPDATE
                SET ts = excluded.ts, soc = excluded.soc, kwh_delivered_dc = excluded.kwh_delivered_dc,
                    battery_temp = excluded.battery_temp, received_at = excluded.received_at
                WHERE live.ts < excluded.ts
            )
            SELECT vehicle_id, (EXTRACT(EPOCH FROM ts) * 1000000)::bigint, """ + EnergySql.anyRegister(DeviceKind.VEHICLE) + """

            FROM inserted
            """;

    /**
     * For devices that report a cumulative register: the energy of each hour a reading arrived
     * in, and of the next hour with a reading (the first reading there rises from the last one
     * before it, which may be the one that just arrived), recomputed from history in time order.
     *
     * <p>It reads history in its own snapshot, yet two transactions writing readings of the same
     * device never recompute blind to each other: the history statement before it locks the
     * device's live row (ON CONFLICT DO UPDATE locks the row whether or not it moves it), so the
     * second waits there until the first commits, and its recompute, a later statement, sees the
     * first's readings. {@code HourlyRollupIT} holds this with two writers.
     */
    private static final String REGISTER_METER_HOURS = registerHours(DeviceKind.METER, "meterId");
    private static final String REGISTER_VEHICLE_HOURS = registerHours(DeviceKind.VEHICLE, "vehicleId");

    private static String registerHours(DeviceKind kind, String idParameter) {
        EnergySql.Tables tables = EnergySql.tables(kind);
        return """
                WITH touched AS (
                    SELECT DISTINCT batch.device_id, date_trunc('hour', batch.ts, 'UTC') AS hour
                    FROM unnest(CAST(:%1$s AS text[]), CAST(:ts AS timestamptz[])) AS batch(device_id, ts)
                    WHERE %2$s
                ), affected AS (
                    SELECT device_id, hour FROM touched
                    UNION
                    SELECT touched.device_id, date_trunc('hour', later.ts, 'UTC')
                    FROM touched CROSS JOIN LATERAL (
                        SELECT ts FROM %3$s
                        WHERE %4$s = touched.device_id AND ts >= touched.hour + interval '1 hour'
                        ORDER BY ts LIMIT 1) later
                )
                UPDATE %5$s AS rollup SET kwh = energy.kwh, resets = energy.resets
                FROM affected CROSS JOIN LATERAL (%6$s) energy
                WHERE rollup.%4$s = affected.device_id AND rollup.hour = affected.hour
                """.formatted(idParameter, EnergySql.isRegister(kind, "batch.device_id"), tables.history(), tables.id(),
                tables.hourly(), EnergySql.energy(kind, EnergyMode.REGISTER, "affected.device_id", "affected.hour",
                        "affected.hour + interval '1 hour'"));
    }

    private static final String INSERT_REJECTION = """
            INSERT INTO rejected_telemetry (received_at, source, topic, device_id, payload, payload_size, reasons)
            VALUES (:receivedAt, :source, :topic, :deviceId, :payload, :payloadSize, CAST(:reasons AS jsonb))
            """;

    /** One history row's identity (time in epoch microseconds); a meter and a vehicle may share an id. */
    private record Key(DeviceKind kind, String deviceId, long micros) {

        static Key of(Reading reading) {
            Instant ts = reading.timestamp();
            return new Key(reading.kind(), reading.deviceId(), ts.getEpochSecond() * 1_000_000L + ts.getNano() / 1_000);
        }
    }

    private record Stored<R>(R reading, Instant receivedAt) {
    }

    private final Jdbi jdbi;
    private final Partitions partitions;
    private final int maxRejectedPayloadBytes;
    private final EnergyModes.Defaults energyDefaults;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param maxRejectedPayloadBytes how many bytes of a refused payload to keep
     * @param energyDefaults          how devices without a setting of their own report energy
     */
    public TelemetryRepository(Jdbi jdbi, Partitions partitions, int maxRejectedPayloadBytes,
                               EnergyModes.Defaults energyDefaults) {
        this.jdbi = jdbi;
        this.partitions = partitions;
        this.maxRejectedPayloadBytes = maxRejectedPayloadBytes;
        this.energyDefaults = energyDefaults;
    }

    @Override
    public List<Outcome> write(List<Write> batch) {
        List<Stored<MeterReading>> meters = new ArrayList<>();
        List<Stored<VehicleReading>> vehicles = new ArrayList<>();
        List<Rejection> rejections = new ArrayList<>();
        List<Instant> timestamps = new ArrayList<>(batch.size());
        for (Write write : batch) {
            if (write instanceof Write.StoreReading store) {
                timestamps.add(store.reading().timestamp());
                if (store.reading() instanceof MeterReading meter) {
                    meters.add(new Stored<>(meter, store.receivedAt()));
                } else {
                    vehicles.add(new Stored<>((VehicleReading) store.reading(), store.receivedAt()));
                }
            } else {
                rejections.add(((Write.RecordRejection) write).rejection());
            }
        }
        // Sorted by device and time, so that concurrent writers (two engine instances) take row
        // locks in the same order and cannot deadlock.
        meters.sort(Comparator.comparing((Stored<MeterReading> s) -> s.reading().meterId())
                .thenComparing(s -> s.reading().timestamp()));
        vehicles.sort(Comparator.comparing((Stored<VehicleReading> s) -> s.reading().vehicleId())
                .thenComparing(s -> s.reading().timestamp()));

        Set<Key> newRows;
        try {
            partitions.ensureFor(timestamps);
            newRows = jdbi.inTransaction(handle -> {
                Set<Key> inserted = new HashSet<>();
                if (!meters.isEmpty()) {
                    Inserted meterRows = insert(DeviceKind.METER,
                            bindMeters(handle.createQuery(INSERT_METER_HISTORY), meters));
                    inserted.addAll(meterRows.keys());
                    if (meterRows.registers()) {
                        registerHours(handle, DeviceKind.METER, REGISTER_METER_HOURS, "meterId", newOnly(meters, inserted));
                    }
                }
                if (!vehicles.isEmpty()) {
                    Inserted vehicleRows = insert(DeviceKind.VEHICLE,
                            bindVehicles(handle.createQuery(INSERT_VEHICLE_HISTORY), vehicles));
                    inserted.addAll(vehicleRows.keys());
                    if (vehicleRows.registers()) {
                        registerHours(handle, DeviceKind.VEHICLE, REGISTER_VEHICLE_HOURS, "vehicleId",
                                newOnly(vehicles, inserted));
                    }
                }
                if (!rejections.isEmpty()) {
                    insertRejections(handle, rejections);
                }
                return inserted;
            });
        } catch (RuntimeException e) {
            partitions.forget();
            throw e;
        }
        return outcomes(batch, newRows);
    }

    /** Outcomes in batch order; of two writes of the same row in one batch, the first stored it. */
    private static List<Outcome> outcomes(List<Write> batch, Set<Key> newRows) {
        List<Outcome> outcomes = new ArrayList<>(batch.size());
        for (Write write : batch) {
            if (write instanceof Write.StoreReading store) {
                boolean isNew = newRows.remove(Key.of(store.reading()));
                outcomes.add(isNew ? Outcome.STORED : Outcome.DUPLICATE);
            } else {
                outcomes.add(Outcome.rejected(((Write.RecordRejection) write).rejection().problems()));
            }
        }
        return outcomes;
    }

    /**
     * The rows one history statement inserted, and whether a device of their kind may report a
     * register (the same answer on every row).
     */
    private record Inserted(List<Key> keys, boolean registers) {
    }

    private record InsertedRow(Key key, boolean registers) {
    }

    private Inserted insert(DeviceKind kind, Query statement) {
        List<InsertedRow> rows = statement.bind("defaultMode", energyDefaults.of(kind).label())
                .map((rs, ctx) -> new InsertedRow(new Key(kind, rs.getString(1), rs.getLong(2)), rs.getBoolean(3)))
                .list();
        return new Inserted(rows.stream().map(InsertedRow::key).toList(), !rows.isEmpty() && rows.get(0).registers());
    }

    /** Recomputes the hours of register devices that these newly stored readings touched. */
    private <R extends Reading> void registerHours(Handle handle, DeviceKind kind, String sql, String idParameter,
                                                   List<Stored<R>> rows) {
        if (rows.isEmpty()) {
            return;
        }
        String[] ids = new String[rows.size()];
        String[] ts = new String[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            ids[i] = rows.get(i).reading().deviceId();
            ts[i] = rows.get(i).reading().timestamp().toString();
        }
        handle.createUpdate(sql).bind(idParameter, ids).bind("ts", ts)
                .bind("defaultMode", energyDefaults.of(kind).label()).execute();
    }

    private static <R extends Reading> List<Stored<R>> newOnly(List<Stored<R>> rows, Set<Key> inserted) {
        List<Stored<R>> fresh = new ArrayList<>(rows.size());
        for (Stored<R> row : rows) {
            if (inserted.contains(Key.of(row.reading()))) {
                fresh.add(row);
            }
        }
        return fresh;
    }

    /** Binds the rows column by column, one array per column, for {@code unnest}. */
    private static <S extends SqlStatement<S>> S bindMeters(S statement, List<Stored<MeterReading>> rows) {
        int size = rows.size();
        String[] ids = new String[size];
        String[] ts = new String[size];
        String[] kwh = new String[size];
        double[] voltage = new double[size];
        String[] receivedAt = new String[size];
        for (int i = 0; i < size; i++) {
            Stored<MeterReading> row = rows.get(i);
            ids[i] = row.reading().meterId();
            ts[i] = row.reading().timestamp().toString();
            kwh[i] = row.reading().kwhConsumedAc().toPlainString();
            voltage[i] = row.reading().voltage();
            receivedAt[i] = row.receivedAt().toString();
        }
        return statement.bind("meterId", ids).bind("ts", ts).bind("kwhConsumedAc", kwh).bind("voltage", voltage)
                .bind("receivedAt", receivedAt);
    }

    private static <S extends SqlStatement<S>> S bindVehicles(S statement, List<Stored<VehicleReading>> rows) {
        int size = rows.size();
        String[] ids = new String[size];
        String[] ts = new String[size];
        double[] soc = new double[size];
        String[] kwh = new String[size];
        double[] batteryTemp = new double[size];
        String[] receivedAt = new String[size];
        for (int i = 0; i < size; i++) {
            Stored<VehicleReading> row = rows.get(i);
            ids[i] = row.reading().vehicleId();
            ts[i] = row.reading().timestamp().toString();
            soc[i] = row.reading().soc();
            kwh[i] = row.reading().kwhDeliveredDc().toPlainString();
            batteryTemp[i] = row.reading().batteryTemp();
            receivedAt[i] = row.receivedAt().toString();
        }
        return statement.bind("vehicleId", ids).bind("ts", ts).bind("soc", soc).bind("kwhDeliveredDc", kwh)
                .bind("batteryTemp", batteryTemp).bind("receivedAt", receivedAt);
    }

    private void insertRejections(Handle handle, List<Rejection> rejections) {
        PreparedBatch batch = handle.prepareBatch(INSERT_REJECTION);
        for (Rejection rejection : rejections) {
            byte[] payload = rejection.payload();
            batch.bind("receivedAt", rejection.receivedAt())
                    .bind("source", rejection.source().label())
                    .bind("topic", rejection.topic())
                    .bind("deviceId", rejection.deviceId())
                    .bind("payload", payload.length > maxRejectedPayloadBytes
                            ? Arrays.copyOf(payload, maxRejectedPayloadBytes) : payload)
                    .bind("payloadSize", payload.length)
                    .bind("reasons", reasonsJson(rejection.problems()))
                    .add();
        }
        batch.execute();
    }

    private String reasonsJson(List<Problem> problems) {
        try {
            return json.writeValueAsString(problems);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("problems are plain records and always serialise", e);
        }
    }
}
