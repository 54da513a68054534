package io.eie.storage;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import io.eie.telemetry.DeviceKind;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daily partitions of the two history tables, their hourly rollups and their packed rows:
 * {@code meter_telemetry_history_p20260210} holds the meter readings of 2026-02-10 (UTC),
 * {@code meter_hourly_p20260210} their hours and {@code meter_history_packed_p20260210} the
 * readings once packed. Partitions are made ahead of time, made on demand for late data, and
 * dropped whole when they fall out of the retention window.
 */
public final class Partitions {

    private static final Logger log = LoggerFactory.getLogger(Partitions.class);
    /** Partitioned by day: history, the hourly rollups of the same days, and the packed days. */
    private static final List<String> TABLES = List.of("meter_telemetry_history", "vehicle_telemetry_history",
            "meter_hourly", "vehicle_hourly", "meter_history_packed", "vehicle_history_packed");
    private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("'_p'yyyyMMdd");
    /** Serialises partition DDL across engine instances sharing one database. */
    private static final long DDL_LOCK = 0x4549455F50415254L; // "EIE_PART"

    private static final ClasspathSqlLocator SQL = ClasspathSqlLocator.create();
    private static final String LIST_PARTITIONS = SQL.locate(Partitions.class, "listPartitions");
    private static final String LOCK_TIMEOUT = SQL.locate(Partitions.class, "lockTimeout");
    private static final String IS_ATTACHED = SQL.locate(Partitions.class, "isAttached");
    private static final String CREATE_HISTORY_PARTITION = SQL.locate(Partitions.class, "createHistoryPartition");
    private static final String CREATE_ROLLUP_PARTITION = SQL.locate(Partitions.class, "createRollupPartition");
    private static final String ATTACH_PARTITION = SQL.locate(Partitions.class, "attachPartition");
    private static final String DROP_PARTITION = SQL.locate(Partitions.class, "dropPartition");

    private final Jdbi jdbi;
    /** Days (as epoch days) for which every history table has its partition. */
    private final Set<Long> known = ConcurrentHashMap.newKeySet();
    private volatile boolean loaded;

    public Partitions(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Makes sure a partition exists for the day of each of these timestamps. */
    void ensureFor(Iterable<Instant> timestamps) {
        long last = Long.MIN_VALUE;
        Set<Long> missing = null;
        for (Instant timestamp : timestamps) {
            long day = Math.floorDiv(timestamp.getEpochSecond(), 86_400L);
            if (day == last) {
                continue;
            }
            last = day;
            if (!isKnown(day)) {
                if (missing == null) {
                    missing = new TreeSet<>();
                }
                missing.add(day);
            }
        }
        if (missing != null) {
            create(missing);
        }
    }

    /** Creates the partitions for today and the next {@code daysAhead} days, if missing. */
    public void createAhead(Instant now, int daysAhead) {
        long today = Math.floorDiv(now.getEpochSecond(), 86_400L);
        Set<Long> missing = new TreeSet<>();
        for (long day = today; day <= today + daysAhead; day++) {
            if (!isKnown(day)) {
                missing.add(day);
            }
        }
        if (!missing.isEmpty()) {
            create(missing);
        }
    }

    /** Drops every partition whose whole day lies before {@code cutoff}; returns their names. */
    public List<String> dropBefore(Instant cutoff) {
        LocalDate firstKept = LocalDate.ofInstant(cutoff, ZoneOffset.UTC);
        List<String> dropped = new ArrayList<>();
        jdbi.useTransaction(handle -> {
            AdvisoryLocks.lock(handle, DDL_LOCK);
            handle.execute(LOCK_TIMEOUT);
            for (String table : TABLES) {
                for (String partition : partitionsOf(handle, table)) {
                    LocalDate day = dayOf(table, partition);
                    if (day != null && day.isBefore(firstKept)) {
                        handle.createUpdate(DROP_PARTITION).define("partition", partition).execute();
                        dropped.add(partition);
                    }
                }
            }
        });
        dropped.forEach(partition -> known.remove(dayOf(partition).toEpochDay()));
        if (!dropped.isEmpty()) {
            log.info("Dropped {} history partitions older than {}: {}", dropped.size(), firstKept, dropped);
        }
        return dropped;
    }

    /** The days that have a history partition of this kind, in order. */
    List<LocalDate> historyDays(DeviceKind kind) {
        return jdbi.withHandle(handle -> daysOf(handle, historyTable(kind))).stream().map(LocalDate::ofEpochDay).toList();
    }

    /** The name of the history partition of this kind and day. */
    static String historyPartition(DeviceKind kind, LocalDate day) {
        return historyTable(kind) + day.format(SUFFIX);
    }

    /** The name of the packed partition of this kind and day. */
    static String packedPartition(DeviceKind kind, LocalDate day) {
        return kind.typeName() + "_history_packed" + day.format(SUFFIX);
    }

    private static String historyTable(DeviceKind kind) {
        return kind.typeName() + "_telemetry_history";
    }

    /** Forgets what is known, so that the next write looks again (after a failure, say). */
    void forget() {
        loaded = false;
        known.clear();
    }

    private boolean isKnown(long day) {
        if (!loaded) {
            load();
        }
        return known.contains(day);
    }

    private synchronized void load() {
        if (loaded) {
            return;
        }
        jdbi.useHandle(handle -> {
            Set<Long> everywhere = daysOf(handle, TABLES.get(0));
            for (String table : TABLES.subList(1, TABLES.size())) {
                everywhere.retainAll(daysOf(handle, table));
            }
            known.addAll(everywhere);
        });
        loaded = true;
    }

    /**
     * Creates each partition as a table of its own, then attaches it: attaching takes a lock that
     * lets inserts and queries on the history table go on, where CREATE TABLE ... PARTITION OF
     * would stop them for as long as it waits.
     */
    private synchronized void create(Set<Long> days) {
        jdbi.useTransaction(handle -> {
            AdvisoryLocks.lock(handle, DDL_LOCK);
            handle.execute(LOCK_TIMEOUT);
            for (long epochDay : days) {
                LocalDate day = LocalDate.ofEpochDay(epochDay);
                for (String table : TABLES) {
                    String partition = table + day.format(SUFFIX);
                    if (handle.createQuery(IS_ATTACHED).bind("partition", partition).mapTo(Boolean.class).one()) {
                        continue;
                    }
                    handle.createUpdate(table.endsWith("_hourly") ? CREATE_ROLLUP_PARTITION : CREATE_HISTORY_PARTITION)
                            .define("partition", partition).define("parent", table)
                            .execute();
                    handle.createUpdate(ATTACH_PARTITION)
                            .define("parent", table).define("partition", partition)
                            .define("from", "'" + day + "T00:00:00Z'").define("to", "'" + day.plusDays(1) + "T00:00:00Z'")
                            .execute();
                }
            }
        });
        known.addAll(days);
        log.debug("History partitions ready for {} day(s) from {}", days.size(), LocalDate.ofEpochDay(days.iterator().next()));
    }

    private static Set<Long> daysOf(Handle handle, String table) {
        Set<Long> days = new TreeSet<>();
        for (String partition : partitionsOf(handle, table)) {
            LocalDate day = dayOf(table, partition);
            if (day != null) {
                days.add(day.toEpochDay());
            }
        }
        return days;
    }

    private static List<String> partitionsOf(Handle handle, String table) {
        return handle.createQuery(LIST_PARTITIONS).bind("parent", table).mapTo(String.class).list();
    }

    private static LocalDate dayOf(String partition) {
        for (String table : TABLES) {
            LocalDate day = dayOf(table, partition);
            if (day != null) {
                return day;
            }
        }
        throw new IllegalArgumentException(partition + " is not a history partition");
    }

    /** The day a partition of ours holds, or {@code null} for a partition we did not name. */
    private static LocalDate dayOf(String table, String partition) {
        String prefix = table + "_p";
        if (!partition.startsWith(prefix) || partition.length() != prefix.length() + 8) {
            return null;
        }
        try {
            return LocalDate.parse(partition.substring(prefix.length()), DateTimeFormatter.BASIC_ISO_DATE);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
