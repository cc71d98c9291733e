package io.armadakv.node.storage;

/** A read or compaction asked for a revision the table has not reached yet. */
public class FutureRevisionException extends StoreException {

    private final long requestedRevision;
    private final long currentRevision;

    public FutureRevisionException(String table, long requestedRevision, long currentRevision) {
        super("table " + table + ": revision " + requestedRevision + " is a future revision (current revision "
                + currentRevision + ")");
        this.requestedRevision = requestedRevision;
        this.currentRevision = currentRevision;
    }

    public long requestedRevision() {
        return requestedRevision;
    }

    public long currentRevision() {
        return currentRevision;
    }
}
