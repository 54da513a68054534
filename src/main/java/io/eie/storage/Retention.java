package io.eie.storage;

import java.time.Instant;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps storage inside its bounds: partitions ready for the coming days, history past the
 * retention window dropped a whole day at a time, old rejected payloads and alarms cleared long
 * ago deleted.
 */
public final class Retention {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private static final ClasspathSqlLocator SQL = ClasspathSqlLocator.create();
    private static final String DELETE_OLD_REJECTIONS = SQL.locate(Retention.class, "deleteOldRejections");
    private static final String DELETE_OLD_ALARMS = SQL.locate(Retention.class, "deleteOldAlarms");

    private final Jdbi jdbi;
    private final Partitions partitions;
    private final StorageSettings settings;

    public Retention(Jdbi jdbi, Partitions partitions, StorageSettings settings) {
        this.jdbi = jdbi;
        this.partitions = partitions;
        this.settings = settings;
    }

    public void run(Instant now) {
        partitions.createAhead(now, settings.partitionsAhead());
        Instant cutoff = now.minus(settings.retention());
        partitions.dropBefore(cutoff);
        int deleted = jdbi.withHandle(handle -> handle.createUpdate(DELETE_OLD_REJECTIONS).bind("cutoff", cutoff).execute());
        if (deleted > 0) {
            log.info("Deleted {} rejected payloads received before {}", deleted, cutoff);
        }
        int alarms = jdbi.withHandle(handle -> handle.createUpdate(DELETE_OLD_ALARMS).bind("cutoff", cutoff).execute());
        if (alarms > 0) {
            log.info("Deleted {} alarms cleared before {}", alarms, cutoff);
        }
    }
}
