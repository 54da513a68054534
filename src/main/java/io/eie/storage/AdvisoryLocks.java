package io.eie.storage;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.locator.ClasspathSqlLocator;

/** Transaction-scoped PostgreSQL advisory locks: held until the transaction ends. */
final class AdvisoryLocks {

    private static final ClasspathSqlLocator SQL = ClasspathSqlLocator.create();
    private static final String LOCK = SQL.locate(AdvisoryLocks.class, "lock");
    private static final String LOCK_BY_NAME = SQL.locate(AdvisoryLocks.class, "lockByName");

    private AdvisoryLocks() {
    }

    static void lock(Handle handle, long key) {
        handle.createQuery(LOCK).bind("key", key).mapToMap().one();
    }

    static void lock(Handle handle, String name) {
        handle.createQuery(LOCK_BY_NAME).bind("name", name).mapToMap().one();
    }
}
