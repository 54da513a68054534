package io.eie.storage;

import org.jdbi.v3.core.Handle;

/** Transaction-scoped PostgreSQL advisory locks: held until the transaction ends. */
final class AdvisoryLocks {

    private AdvisoryLocks() {
    }

    static void lock(Handle handle, long key) {
        handle.select("SELECT pg_advisory_xact_lock(?)", key).mapToMap().one();
    }

    static void lock(Handle handle, String key) {
        handle.select("SELECT pg_advisory_xact_lock(hashtext(?))", key).mapToMap().one();
    }
}
