package io.eie.storage;

import java.util.List;

/**
 * Where the batch writer flushes to: commits a whole batch in one transaction, or throws and
 * commits nothing.
 */
@FunctionalInterface
public interface BatchSink {

    /** @return one outcome per write, in the order of the batch */
    List<Outcome> write(List<Write> batch);
}
