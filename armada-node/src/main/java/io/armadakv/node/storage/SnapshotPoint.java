package io.armadakv.node.storage;

/**
 * Where a table's state stands: the leader cluster's index it reflects, its revision and its
 * compacted revision. On the leader cluster the index is the applied Raft index.
 */
public record SnapshotPoint(long leaderIndex, long revision, long compactedRevision) {

    /**
     * Marks the staging area as holding a Maintenance.Restore rather than a leader snapshot: no
     * snapshot has a negative revision, so the two can never be taken for each other.
     */
    static SnapshotPoint restore(long restoreId) {
        return new SnapshotPoint(restoreId, -1, -1);
    }

    /** Whether this point names a staged restore (see {@link #restore}). */
    boolean isRestore() {
        return revision == -1 && compactedRevision == -1;
    }

    byte[] encode() {
        byte[] out = new byte[24];
        RevisionKey.writeLong(out, 0, leaderIndex);
        RevisionKey.writeLong(out, 8, revision);
        RevisionKey.writeLong(out, 16, compactedRevision);
        return out;
    }

    static SnapshotPoint decode(byte[] raw) {
        return new SnapshotPoint(RevisionKey.readLong(raw, 0), RevisionKey.readLong(raw, 8), RevisionKey.readLong(raw, 16));
    }
}
