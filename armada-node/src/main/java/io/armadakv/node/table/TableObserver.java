package io.armadakv.node.table;

/**
 * What the table layer reports as it works, for metrics: the table layer stays free of any
 * metrics library, and a node without an observer pays nothing.
 */
public interface TableObserver {

    TableObserver NONE = new TableObserver() {
    };

    /** The node started hosting {@code table}: from now on it is reported under its name. */
    default void tableHosted(Table table) {
    }

    /** The node stopped hosting {@code table}. */
    default void tableRemoved(Table table) {
    }

    /** A client write went from submission to its reply (applied or refused) in {@code nanos}. */
    default void proposalCompleted(long tableId, long nanos, boolean ok) {
    }

    /** This node's batcher proposed one Raft entry carrying {@code writes} client writes. */
    default void entryProposed(long tableId, int writes) {
    }

    /** This node relayed {@code writes} client writes to the node that leads the table's group. */
    default void writesRelayed(long tableId, int writes) {
    }

    /** One Raft entry was applied to the table's store in {@code nanos}. */
    default void entryApplied(long tableId, long nanos) {
    }

    /** Applying an entry failed and the table stopped applying. */
    default void applyFailed(long tableId) {
    }

    /** A snapshot of {@code bytes} was fetched from the group leader and installed in {@code nanos}. */
    default void snapshotInstalled(long tableId, long bytes, long nanos) {
    }
}
