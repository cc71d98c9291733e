package io.armadakv.node.storage;

/** A read asked for a revision that compaction already dropped, or a compaction repeated an older one. */
public class CompactedRevisionException extends StoreException {

    private final long requestedRevision;
    private final long compactedRevision;

    public CompactedRevisionException(String table, long requestedRevision, long compactedRevision) {
        super("table " + table + ": revision " + requestedRevision + " has been compacted (compacted revision "
                + compactedRevision + ")");
        this.requestedRevision = requestedRevision;
        this.compactedRevision = compactedRevision;
    }

    public long requestedRevision() {
        return requestedRevision;
    }

    public long compactedRevision() {
        return compactedRevision;
    }
}
