package io.armadakv.node.storage;

/**
 * The writes of one Raft entry, all committed together by {@link TableStore#apply}. Reads through
 * it see the entry's earlier writes. Only valid inside the body it was handed to.
 */
public interface EntryWriter {

    /** The table revision as the entry's writes so far left it. */
    long revision();

    /** The compacted revision as the entries before this one, and this one's writes so far, left it. */
    long compactedRevision();

    /** Writes one key at a new revision of its own. */
    PutResult put(byte[] key, byte[] value, boolean prevKv);

    /** Deletes the live keys of the range at one new revision; consumes no revision when nothing was live. */
    DeleteResult deleteRange(KeyRange range, boolean prevKv);

    /** Evaluates the compares, then runs the chosen branch; all of its writes share one new revision. */
    TxnResult txn(TxnRequest txn);

    RangeResult range(RangeQuery q);

    /** Drops the versions no read at or after {@code revision} can see; returns how many were removed. */
    default long compact(long revision) {
        return compactStep(revision, new byte[0], Integer.MAX_VALUE).removed();
    }

    /**
     * One bounded step of a compaction to {@code revision}, so that no single entry holds the
     * store for long. A step with an empty {@code fromKey} starts the compaction: it raises the
     * compacted revision, and reads below it are refused from then on. Every step removes what no
     * read at or after the compacted revision can see, for the keys from {@code fromKey} on; it
     * stops at the first key boundary after {@code maxVersions} stored versions and says where
     * the next step starts. Continuing needs {@code revision} to be the compacted revision.
     */
    CompactionStep compactStep(long revision, byte[] fromKey, int maxVersions);

    /** What one compaction step did: versions removed, and the key the next step starts at (null: done). */
    record CompactionStep(long removed, byte[] nextKey) {
    }

    /** Sets a table-level metadata blob (table configuration and the like). */
    void putMeta(String name, byte[] value);

    /** The replication cursor as this entry leaves it. */
    long leaderIndex();

    /** Moves the replication cursor; it commits with the entry. */
    void setLeaderIndex(long leaderIndex);

    /** Records the revisions this entry's commands got, for the replication endpoint to serve. */
    void recordRevisions(long[] revisions);

    /**
     * Adds versions of a leader snapshot to the staging area. Versions of another snapshot
     * already staged are dropped first; the same version staged twice is kept once.
     */
    void stage(SnapshotPoint point, java.util.List<VersionRecord> versions);

    /**
     * Replaces the table's content with the staged versions of {@code point}, sets the
     * revision, compacted revision and leader index to the point's, and empties the staging
     * area; throws {@link StagingMismatchException} if a different snapshot or a different
     * number of versions is staged.
     */
    void commitStaged(SnapshotPoint point, long versions);

    /**
     * Adds keys of restore {@code restoreId} to the staging area, invisible to reads. What another
     * restore or a snapshot load staged before is dropped first; a key staged twice is kept once,
     * with the later value.
     */
    void stageRestore(long restoreId, java.util.List<BackupKey> keys);

    /**
     * Replaces the table's live content with the staged keys of {@code restoreId} at one new
     * revision: every staged key gets a version at it (create revision = it, version 1), every
     * live key the restore lacks gets a deletion at it, and the staging area is emptied. History
     * before stays readable until compacted. Returns the revision; throws
     * {@link StagingMismatchException} if another restore or a different number of keys is staged.
     */
    long commitRestore(long restoreId, long keys);

    /** Drops what restore {@code restoreId} staged; does nothing if it staged nothing or something else is staged. */
    void abortRestore(long restoreId);

    /** A key and value of a restore. */
    record BackupKey(byte[] key, byte[] value) {
    }
}
