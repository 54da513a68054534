package io.eie.storage;

import io.eie.telemetry.DeviceKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs closed days of history: each device's readings of a day move out of the row-per-reading
 * history into one packed row (the layout is in {@code V4__packed_history.sql}), a bounded number
 * of devices per transaction. Ingest keeps the machine: a step waits while the writers have a
 * backlog (at most {@link #MAX_YIELD}, so that a day is packed even under load that never lets
 * up), and packing rests between steps. When a day's history partition is empty, it is truncated,
 * which gives its disk back at once.
 *
 * <p>Every step moves readings in one statement, so the engine may stop at any moment: a reading is
 * in history or packed, and a day half done is finished at the next run. Readings that arrive for
 * a packed day are stored in history and packed with the rest at the next run. A writer storing a
 * reading of a closed day shares the day's packing lock ({@link #DAY_LOCK_SPACE}); a step takes it
 * alone.
 */
public final class Compactor {

    /** The first key of the packing locks (PostgreSQL two-key advisory locks); the second is the epoch day. */
    static final int DAY_LOCK_SPACE = 0x45494550; // "EIEP"

    private static final Logger log = LoggerFactory.getLogger(Compactor.class);
    private static final ClasspathSqlLocator SQL = ClasspathSqlLocator.create();
    private static final String PACK_METERS = SQL.locate(Compactor.class, "packMeters");
    private static final String PACK_VEHICLES = SQL.locate(Compactor.class, "packVehicles");
    private static final String LOCK_DAY = SQL.locate(Compactor.class, "lockDay");
    private static final String HAS_HISTORY = SQL.locate(Compactor.class, "hasHistory");
    private static final String OLDER_TRANSACTIONS = SQL.locate(Compactor.class, "olderTransactions");
    private static final String NOW = SQL.locate(Compactor.class, "now");
    private static final String FREE_HISTORY = SQL.locate(Compactor.class, "freeHistory");
    private static final String RELATION_SIZE = SQL.locate(Compactor.class, "relationSize");
    private static final String LOCK_TIMEOUT = SQL.locate(Partitions.class, "lockTimeout");
    /** The longest a step waits for the writers' backlog to clear. */
    static final Duration MAX_YIELD = Duration.ofMinutes(10);
    /** How long the writers must have had no backlog before a step starts. */
    private static final Duration QUIET = Duration.ofSeconds(2);
    /** Passes over one day in one run: later passes pack what arrived behind the one before. */
    private static final int MAX_PASSES = 3;

    /**
     * What packing one day of one kind did.
     *
     * @param devices     devices packed (a device packed twice in one run counts twice)
     * @param bytesBefore the day's history and packed partitions before, in bytes on disk
     * @param bytesAfter  the same after
     * @param freed       whether the history partition was emptied; if not, the next run does it
     */
    public record PackedDay(DeviceKind kind, LocalDate day, long devices, long bytesBefore, long bytesAfter,
                            Duration took, boolean freed) {
    }

    private final Jdbi jdbi;
    private final Partitions partitions;
    private final PackingSettings settings;
    private final BooleanSupplier ingestBusy;
    private final Counter[] days = new Counter[DeviceKind.values().length];
    private final Counter[] bytesBefore = new Counter[DeviceKind.values().length];
    private final Counter[] bytesAfter = new Counter[DeviceKind.values().length];
    private final Timer[] took = new Timer[DeviceKind.values().length];

    /** @param ingestBusy whether the writers have a backlog now ({@link BatchWriter#busy()}); packing waits while they do */
    public Compactor(Jdbi jdbi, Partitions partitions, PackingSettings settings, BooleanSupplier ingestBusy,
                     MeterRegistry metrics) {
        this.jdbi = jdbi;
        this.partitions = partitions;
        this.settings = settings;
        this.ingestBusy = ingestBusy;
        for (DeviceKind kind : DeviceKind.values()) {
            int k = kind.ordinal();
            days[k] = Counter.builder("eie.packing.days").tag("kind", kind.typeName())
                    .description("Days of history packed").register(metrics);
            bytesBefore[k] = Counter.builder("eie.packing.bytes.before").tag("kind", kind.typeName()).baseUnit("bytes")
                    .description("Disk the packed days took before packing (history and packed partitions)")
                    .register(metrics);
            bytesAfter[k] = Counter.builder("eie.packing.bytes.after").tag("kind", kind.typeName()).baseUnit("bytes")
                    .description("Disk the packed days take after packing").register(metrics);
            took[k] = Timer.builder("eie.packing.duration").tag("kind", kind.typeName())
                    .description("Time to pack one day of history, rests included").register(metrics);
        }
    }

    /** Packs every day closed at {@code now} that has readings in history, oldest first, as hard as the settings say. */
    public List<PackedDay> packClosedDays(Instant now) throws InterruptedException {
        return packDaysBefore(settings.closedBefore(now), settings.share());
    }

    /**
     * Packs every day before {@code closedBefore} (a UTC midnight) that has readings in history,
     * oldest first, working {@code share} of the time.
     */
    public List<PackedDay> packDaysBefore(Instant closedBefore, double share) throws InterruptedException {
        LocalDate firstOpen = LocalDate.ofInstant(closedBefore, ZoneOffset.UTC);
        List<PackedDay> packed = new ArrayList<>();
        for (DeviceKind kind : DeviceKind.values()) {
            for (LocalDate day : partitions.historyDays(kind)) {
                if (day.isBefore(firstOpen) && hasHistory(kind, day)) {
                    packed.add(pack(kind, day, share));
                }
            }
        }
        return packed;
    }

    /** Packs the readings of one kind and day that are in history, with the day's packed rows. */
    public PackedDay pack(DeviceKind kind, LocalDate day, double share) throws InterruptedException {
        long started = System.nanoTime();
        String history = Partitions.historyPartition(kind, day);
        String packedPartition = Partitions.packedPartition(kind, day);
        partitions.ensureFor(List.of(day.atStartOfDay(ZoneOffset.UTC).toInstant()));
        long before = size(history) + size(packedPartition);
        long devices = 0;
        boolean freed = false;
        for (int pass = 0; pass < MAX_PASSES && !freed; pass++) {
            String after = "";
            while (true) {
                yieldToIngest();
                long stepStarted = System.nanoTime();
                List<String> step = step(kind, day, after);
                if (step.isEmpty()) {
                    break;
                }
                devices += step.size();
                after = step.stream().max(String::compareTo).orElseThrow();
                rest(System.nanoTime() - stepStarted, share);
            }
            freed = free(kind, day, history);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        long afterBytes = size(history) + size(packedPartition);
        PackedDay result = new PackedDay(kind, day, devices, before, afterBytes, elapsed, freed);
        int k = kind.ordinal();
        days[k].increment();
        bytesBefore[k].increment(before);
        bytesAfter[k].increment(afterBytes);
        took[k].record(elapsed);
        log.info("Packed {} history of {}: {} devices, {} MB to {} MB in {} s{}", kind.typeName(), day, devices,
                before / 1_000_000, afterBytes / 1_000_000, elapsed.toSeconds(),
                freed ? "" : "; its history partition is emptied at the next run");
        return result;
    }

    /** One step: the next devices after {@code after} packed, in one transaction; empty when none is left. */
    private List<String> step(DeviceKind kind, LocalDate day, String after) {
        OffsetDateTime from = day.atStartOfDay().atOffset(ZoneOffset.UTC);
        return jdbi.inTransaction(handle -> {
            lockDay(handle, day);
            return handle.createQuery(kind == DeviceKind.METER ? PACK_METERS : PACK_VEHICLES)
                    .bind("from", from).bind("to", from.plusDays(1)).bind("after", after)
                    .bind("devices", settings.devicesPerStep())
                    .mapTo(String.class).list();
        });
    }

    /**
     * Empties the day's history partition if it holds no reading (none arrived since it was
     * packed) and no transaction older than the packing could still look for one there.
     */
    private boolean free(DeviceKind kind, LocalDate day, String history) {
        OffsetDateTime packedAt = jdbi.withHandle(handle -> handle.createQuery(NOW).mapTo(OffsetDateTime.class).one());
        for (int attempt = 0; attempt < 30; attempt++) {
            long older = jdbi.withHandle(handle -> handle.createQuery(OLDER_TRANSACTIONS).bind("since", packedAt)
                    .mapTo(Long.class).one());
            if (older == 0) {
                try {
                    return jdbi.inTransaction(handle -> {
                        lockDay(handle, day);
                        if (hasHistory(handle, history)) {
                            return false;
                        }
                        handle.execute(LOCK_TIMEOUT);
                        handle.createUpdate(FREE_HISTORY).define("partition", history).execute();
                        return true;
                    });
                } catch (RuntimeException e) {
                    log.info("Emptying {} of {} failed ({}); the next run does it", history, day, e.getMessage());
                    return false;
                }
            }
            try {
                TimeUnit.SECONDS.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        log.info("{} of {} stays until transactions older than its packing end; the next run empties it", history, day);
        return false;
    }

    private boolean hasHistory(DeviceKind kind, LocalDate day) {
        return jdbi.withHandle(handle -> hasHistory(handle, Partitions.historyPartition(kind, day)));
    }

    private static boolean hasHistory(Handle handle, String partition) {
        return handle.createQuery(HAS_HISTORY).define("partition", partition).mapTo(Boolean.class).one();
    }

    private static void lockDay(Handle handle, LocalDate day) {
        handle.createQuery(LOCK_DAY).bind("lockSpace", DAY_LOCK_SPACE).bind("day", (int) day.toEpochDay())
                .mapToMap().one();
    }

    private long size(String table) {
        return jdbi.withHandle(handle -> handle.createQuery(RELATION_SIZE).bind("name", table).mapTo(Long.class).one());
    }

    /**
     * Goes on at once if the writers have no backlog; otherwise waits until they have had none for
     * {@link #QUIET}, or for {@link #MAX_YIELD} at most.
     */
    private void yieldToIngest() throws InterruptedException {
        if (!ingestBusy.getAsBoolean()) {
            return;
        }
        long deadline = System.nanoTime() + MAX_YIELD.toNanos();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < QUIET.toNanos() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100);
            if (ingestBusy.getAsBoolean()) {
                quietSince = System.nanoTime();
            }
        }
    }

    /** Rests after a step that took {@code worked} nanoseconds, so that packing works {@code share} of the time. */
    private static void rest(long worked, double share) throws InterruptedException {
        if (share < 1) {
            TimeUnit.NANOSECONDS.sleep(Math.min((long) (worked * (1 - share) / share), TimeUnit.MINUTES.toNanos(1)));
        }
    }
}
