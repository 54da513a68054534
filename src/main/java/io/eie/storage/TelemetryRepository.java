package io.eie.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eie.telemetry.DeviceKind;
import io.eie.telemetry.MeterReading;
import io.eie.telemetry.Problem;
import io.eie.telemetry.Reading;
import io.eie.telemetry.Rejection;
import io.eie.telemetry.VehicleReading;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Commits a batch of writes in one transaction: history rows appended (a device and timestamp
 * already stored is a duplicate, not an error), live rows moved forward only by newer readings,
 * refused payloads recorded.
 */
public final class TelemetryRepository implements BatchSink {

    private static final ClasspathSqlLocator SQL = ClasspathSqlLocator.create();
    // Each statement takes its rows as arrays, one per column: timestamps and energies as text
    // (exact, and cheap to produce), cast back by PostgreSQL.
    private static final String INSERT_METERS = SQL.locate(TelemetryRepository.class, "insertMeters");
    private static final String INSERT_VEHICLES = SQL.locate(TelemetryRepository.class, "insertVehicles");
    private static final String RECOMPUTE_METER_REGISTER_HOURS =
            SQL.locate(TelemetryRepository.class, "recomputeMeterRegisterHours");
    private static final String RECOMPUTE_VEHICLE_REGISTER_HOURS =
            SQL.locate(TelemetryRepository.class, "recomputeVehicleRegisterHours");
    private static final String INSERT_REJECTION = SQL.locate(TelemetryRepository.class, "insertRejection");
    private static final String WAIT_FOR_PACKING = SQL.locate(TelemetryRepository.class, "waitForPacking");

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
    private final PackingSettings packing;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param settings how many bytes of a refused payload to keep, how devices without a setting
     *                 of their own report energy, and which days may be packed
     */
    public TelemetryRepository(Jdbi jdbi, Partitions partitions, StorageSettings settings, Clock clock) {
        this.jdbi = jdbi;
        this.partitions = partitions;
        this.maxRejectedPayloadBytes = settings.maxRejectedPayloadBytes();
        this.energyDefaults = settings.energyDefaults();
        this.packing = settings.packing();
        this.clock = clock;
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

        // Readings of days that may be packed take the path that waits for packing and looks among
        // the packed rows for duplicates; the others (almost all) go straight in.
        Instant closedBefore = packing.closedBeforeForWriters(clock.instant());
        int[] closedDays = closedDays(timestamps, closedBefore);
        Set<Key> newRows;
        try {
            partitions.ensureFor(timestamps);
            newRows = jdbi.inTransaction(handle -> {
                if (closedDays.length > 0) {
                    handle.createQuery(WAIT_FOR_PACKING).bind("lockSpace", Compactor.DAY_LOCK_SPACE)
                            .bind("days", closedDays).mapToMap().list();
                }
                Set<Key> inserted = new HashSet<>();
                if (!meters.isEmpty()) {
                    Inserted meterRows = insert(DeviceKind.METER,
                            bindMeters(handle.createQuery(INSERT_METERS), meters), closedBefore);
                    inserted.addAll(meterRows.keys());
                    if (meterRows.registers()) {
                        registerHours(handle, DeviceKind.METER, RECOMPUTE_METER_REGISTER_HOURS, "meterId",
                                newOnly(meters, inserted));
                    }
                }
                if (!vehicles.isEmpty()) {
                    Inserted vehicleRows = insert(DeviceKind.VEHICLE,
                            bindVehicles(handle.createQuery(INSERT_VEHICLES), vehicles), closedBefore);
                    inserted.addAll(vehicleRows.keys());
                    if (vehicleRows.registers()) {
                        registerHours(handle, DeviceKind.VEHICLE, RECOMPUTE_VEHICLE_REGISTER_HOURS, "vehicleId",
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

    /** The days (epoch days, sorted) of the timestamps before {@code closedBefore}. */
    private static int[] closedDays(List<Instant> timestamps, Instant closedBefore) {
        return timestamps.stream().filter(ts -> ts.isBefore(closedBefore))
                .mapToInt(ts -> (int) Math.floorDiv(ts.getEpochSecond(), 86_400L))
                .distinct().sorted().toArray();
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

    private Inserted insert(DeviceKind kind, Query statement, Instant closedBefore) {
        List<InsertedRow> rows = statement.bind("defaultMode", energyDefaults.of(kind).label())
                .bind("closedBefore", OffsetDateTime.ofInstant(closedBefore, ZoneOffset.UTC))
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
