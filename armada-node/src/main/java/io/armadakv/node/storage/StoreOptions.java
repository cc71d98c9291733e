package io.armadakv.node.storage;

import java.util.Objects;

/**
 * How a {@link TableStore} is opened.
 *
 * @param name          the table name; every error the store raises carries it
 * @param durableWrites fsync each committed entry; off only where losing the tail of the log is
 *                      acceptable (tests, snapshot rebuilds that are re-verified anyway)
 * @param cacheBytes    heap bytes of the page cache the stores of this JVM share; 0 leaves Xodus'
 *                      default, half of the maximum heap. The first store opened sizes it.
 */
public record StoreOptions(String name, boolean durableWrites, long cacheBytes) {

    /** Longest key the store accepts: keys are repeated in the kv and latest stores and in every version. */
    public static final int MAX_KEY_BYTES = 64 * 1024;

    /** Longest value the store accepts; larger values belong in an object store, not in a Raft log. */
    public static final int MAX_VALUE_BYTES = 16 * 1024 * 1024;

    public StoreOptions {
        Objects.requireNonNull(name, "name");
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("table " + name + ": cache size must not be negative, got " + cacheBytes);
        }
    }

    public StoreOptions(String name, boolean durableWrites) {
        this(name, durableWrites, 0);
    }

    public static StoreOptions defaults(String name) {
        return new StoreOptions(name, true);
    }
}
