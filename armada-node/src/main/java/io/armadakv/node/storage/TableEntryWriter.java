package io.armadakv.node.storage;

import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Transaction;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@link EntryWriter} of one {@link TableStore#apply}: writes into the entry's Xodus
 * transaction and tracks the revision and compaction point the entry has reached, which the
 * store persists with the applied index when the entry commits.
 */
final class TableEntryWriter implements EntryWriter {

    private static final ArrayByteIterable TOMBSTONE = new ArrayByteIterable(StoredVersion.TOMBSTONE_BYTES);

    private final Stores stores;
    private final Transaction txn;
    private final long index;
    private long leaderIndex;
    private boolean leaderIndexSet;
    private long revision;
    private long compactedRevision;
    private boolean inTxn;
    private boolean txnWrote;
    private boolean finished;

    TableEntryWriter(Stores stores, Transaction txn, long index, long revision, long compactedRevision,
                     long leaderIndex) {
        this.stores = stores;
        this.txn = txn;
        this.index = index;
        this.leaderIndex = leaderIndex;
        this.revision = revision;
        this.compactedRevision = compactedRevision;
    }

    @Override
    public long compactedRevision() {
        return compactedRevision;
    }

    /** The revision reached, readable after {@link #finish()}. */
    long reachedRevision() {
        return revision;
    }

    /** The leader index to persist with the entry, or -1 if the entry did not move it. */
    long leaderIndexToPersist() {
        return leaderIndexSet ? leaderIndex : -1;
    }

    /** Ends the writer's life: a reference leaked out of the body must not write into a later entry. */
    void finish() {
        finished = true;
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("table " + stores.table() + ": entry writer used after its entry ended");
        }
    }

    private StateReader reader() {
        return new StateReader(stores, txn, revision, compactedRevision);
    }

    /** The revision of the next effective write: its own outside a txn, the txn's shared one inside. */
    private long writeRevision() {
        if (!inTxn) {
            return ++revision;
        }
        if (!txnWrote) {
            txnWrote = true;
            revision++;
        }
        return revision;
    }

    @Override
    public long revision() {
        checkOpen();
        return revision;
    }

    @Override
    public PutResult put(byte[] key, byte[] value, boolean prevKv) {
        checkOpen();
        checkKey(key);
        if (value == null) {
            throw new IllegalArgumentException("table " + stores.table() + ": null value for key " + Bytes.abbreviate(key));
        }
        if (value.length > StoreOptions.MAX_VALUE_BYTES) {
            throw new LimitExceededException("table " + stores.table() + ": value of key " + Bytes.abbreviate(key)
                    + " is " + value.length + " bytes, over the limit of " + StoreOptions.MAX_VALUE_BYTES);
        }
        ArrayByteIterable latestKey = new ArrayByteIterable(key);
        ByteIterable current = stores.latest().get(txn, latestKey);
        LatestVersion before = current == null ? null : LatestVersion.decode(current.getBytesUnsafe());
        KeyValue prev = prevKv && before != null ? reader().live(key) : null;
        long rev = writeRevision();
        long create = before == null ? rev : before.createRevision();
        long version = before == null ? 1 : before.version() + 1;
        stores.kv().put(txn, new ArrayByteIterable(RevisionKey.encode(key, rev)),
                new ArrayByteIterable(StoredVersion.encodePut(create, version, value)));
        stores.latest().put(txn, latestKey, new ArrayByteIterable(new LatestVersion(rev, create, version).encode()));
        return new PutResult(rev, prev);
    }

    @Override
    public DeleteResult deleteRange(KeyRange range, boolean prevKv) {
        checkOpen();
        // collect first: the stores are not modified under an open cursor
        List<KeyValue> doomed = new ArrayList<>();
        try (LiveKeys keys = new LatestKeys(stores, txn, range)) {
            while (keys.next()) {
                doomed.add(keys.toKeyValue(prevKv));
            }
        }
        if (doomed.isEmpty()) {
            return new DeleteResult(revision, 0, List.of());
        }
        long rev = writeRevision();
        for (KeyValue kv : doomed) {
            stores.kv().put(txn, new ArrayByteIterable(RevisionKey.encode(kv.key(), rev)), TOMBSTONE);
            stores.latest().delete(txn, new ArrayByteIterable(kv.key()));
        }
        return new DeleteResult(rev, doomed.size(), prevKv ? doomed : List.of());
    }

    @Override
    public TxnResult txn(TxnRequest request) {
        checkOpen();
        if (inTxn) {
            throw new IllegalStateException("table " + stores.table() + ": nested transaction");
        }
        boolean succeeded = reader().holds(request.compares());
        List<TxnOp> ops = succeeded ? request.success() : request.failure();
        List<OpResult> results = new ArrayList<>(ops.size());
        inTxn = true;
        txnWrote = false;
        try {
            for (TxnOp op : ops) {
                results.add(switch (op) {
                    case TxnOp.Range r -> reader().range(r.query());
                    case TxnOp.Put p -> put(p.key(), p.value(), p.prevKv());
                    case TxnOp.Delete d -> deleteRange(d.range(), d.prevKv());
                });
            }
        } finally {
            inTxn = false;
        }
        return new TxnResult(succeeded, results, revision);
    }

    @Override
    public RangeResult range(RangeQuery q) {
        checkOpen();
        return reader().range(q);
    }

    /**
     * Per key, the newest version at or below {@code rev} is what reads at {@code rev} and later
     * see until the next write, so it stays unless it is a tombstone; every older version is
     * invisible to such reads and goes. The live version is always newest, so it is never removed.
     * Writes after {@code rev} never change which versions go, so a compaction may run in steps
     * between other entries.
     */
    @Override
    public CompactionStep compactStep(long rev, byte[] fromKey, int maxVersions) {
        checkOpen();
        if (inTxn) {
            throw new IllegalStateException("table " + stores.table() + ": compaction inside a transaction");
        }
        if (maxVersions < 1) {
            throw new IllegalArgumentException("table " + stores.table() + ": a compaction step must examine at least "
                    + "one version, got " + maxVersions);
        }
        boolean starting = fromKey.length == 0;
        if (rev > revision) {
            throw new FutureRevisionException(stores.table(), rev, revision);
        }
        if (starting ? rev <= compactedRevision : rev != compactedRevision) {
            throw new CompactedRevisionException(stores.table(), rev, compactedRevision);
        }
        if (starting) {
            compactedRevision = rev;
            stores.meta().put(txn, new ArrayByteIterable(MetaKeys.COMPACTED), new ArrayByteIterable(MetaKeys.longValue(rev)));
        }
        List<byte[]> doomed = new ArrayList<>();
        byte[] nextKey = null;
        try (Cursor cursor = stores.kv().openCursor(txn)) {
            boolean more = starting ? cursor.getNext()
                    : cursor.getSearchKeyRange(new ArrayByteIterable(RevisionKey.encode(fromKey, 0))) != null;
            byte[] groupKey = null;
            byte[] newestAtOrBelow = null;
            boolean newestIsTombstone = false;
            long examined = 0;
            for (; more; more = cursor.getNext()) {
                ByteIterable k = cursor.getKey();
                byte[] encoded = Stores.copy(k);
                if (groupKey == null || !RevisionKey.isKeyOf(encoded, encoded.length, groupKey)) {
                    if (newestAtOrBelow != null && newestIsTombstone) {
                        doomed.add(newestAtOrBelow);
                    }
                    groupKey = RevisionKey.userKey(encoded, encoded.length);
                    newestAtOrBelow = null;
                    if (examined >= maxVersions) {
                        nextKey = groupKey; // a key's versions are never split between steps
                        break;
                    }
                }
                examined++;
                if (RevisionKey.revision(encoded, encoded.length) <= rev) {
                    if (newestAtOrBelow != null) {
                        doomed.add(newestAtOrBelow);
                    }
                    newestAtOrBelow = encoded;
                    newestIsTombstone = StoredVersion.isTombstone(cursor.getValue().getBytesUnsafe());
                }
            }
            if (nextKey == null && newestAtOrBelow != null && newestIsTombstone) {
                doomed.add(newestAtOrBelow);
            }
        }
        for (byte[] k : doomed) {
            stores.kv().delete(txn, new ArrayByteIterable(k));
        }
        return new CompactionStep(doomed.size(), nextKey);
    }

    @Override
    public void putMeta(String name, byte[] value) {
        checkOpen();
        ArrayByteIterable key = new ArrayByteIterable(MetaKeys.user(name));
        if (value == null) {
            stores.meta().delete(txn, key);
            return;
        }
        if (value.length > StoreOptions.MAX_VALUE_BYTES) {
            throw new LimitExceededException("table " + stores.table() + ": meta " + name + " is " + value.length
                    + " bytes, over the limit of " + StoreOptions.MAX_VALUE_BYTES);
        }
        stores.meta().put(txn, key, new ArrayByteIterable(value));
    }

    private void checkKey(byte[] key) {
        if (key == null || key.length == 0) {
            throw new LimitExceededException("table " + stores.table() + ": empty key");
        }
        if (key.length > StoreOptions.MAX_KEY_BYTES) {
            throw new LimitExceededException("table " + stores.table() + ": key " + Bytes.abbreviate(key) + " is "
                    + key.length + " bytes, over the limit of " + StoreOptions.MAX_KEY_BYTES);
        }
    }

    @Override
    public long leaderIndex() {
        checkOpen();
        return leaderIndex;
    }

    @Override
    public void setLeaderIndex(long leaderIndex) {
        checkOpen();
        this.leaderIndex = leaderIndex;
        this.leaderIndexSet = true;
    }

    @Override
    public void recordRevisions(long[] revisions) {
        checkOpen();
        stores.revisions().put(txn, new ArrayByteIterable(MetaKeys.longValue(index)),
                new ArrayByteIterable(EntryRevisions.encode(revisions)));
    }

    @Override
    public void stage(SnapshotPoint point, List<VersionRecord> versions) {
        checkOpen();
        ArrayByteIterable stagedKey = new ArrayByteIterable(MetaKeys.STAGED);
        ByteIterable staged = stores.meta().get(txn, stagedKey);
        if (staged == null || !SnapshotPoint.decode(Stores.copy(staged)).equals(point)) {
            clear(stores.staging());
            stores.meta().put(txn, stagedKey, new ArrayByteIterable(point.encode()));
        }
        for (VersionRecord v : versions) {
            checkKey(v.key());
            byte[] stored = v.isDeletion() ? StoredVersion.TOMBSTONE_BYTES
                    : StoredVersion.encodePut(v.createRevision(), v.version(), v.value());
            stores.staging().put(txn, new ArrayByteIterable(RevisionKey.encode(v.key(), v.modRevision())),
                    new ArrayByteIterable(stored));
        }
    }

    @Override
    public void commitStaged(SnapshotPoint point, long versions) {
        checkOpen();
        if (inTxn) {
            throw new IllegalStateException("table " + stores.table() + ": snapshot commit inside a transaction");
        }
        ArrayByteIterable stagedKey = new ArrayByteIterable(MetaKeys.STAGED);
        ByteIterable staged = stores.meta().get(txn, stagedKey);
        SnapshotPoint stagedPoint = staged == null ? null : SnapshotPoint.decode(Stores.copy(staged));
        long stagedCount = stores.staging().count(txn);
        if (versions > 0 && !point.equals(stagedPoint)) {
            throw new StagingMismatchException("table " + stores.table() + ": snapshot at leader index "
                    + point.leaderIndex() + " is not the one staged (" + stagedPoint + ")");
        }
        if (versions == 0 && stagedPoint != null && !point.equals(stagedPoint)) {
            // an empty snapshot stages nothing: what is staged (a restore the log carried) is stale
            clear(stores.staging());
            stagedCount = 0;
        }
        if (stagedCount != versions) {
            throw new StagingMismatchException("table " + stores.table() + ": snapshot at leader index "
                    + point.leaderIndex() + " has " + versions + " versions but " + stagedCount + " are staged");
        }
        clear(stores.kv());
        clear(stores.latest());
        try (Cursor cursor = stores.staging().openCursor(txn)) {
            byte[] currentKey = null;
            LatestVersion newest = null;
            while (cursor.getNext()) {
                byte[] encoded = Stores.copy(cursor.getKey());
                byte[] raw = Stores.copy(cursor.getValue());
                stores.kv().put(txn, new ArrayByteIterable(encoded), new ArrayByteIterable(raw));
                byte[] userKey = RevisionKey.userKey(encoded, encoded.length);
                if (currentKey != null && !java.util.Arrays.equals(currentKey, userKey)) {
                    putLatest(currentKey, newest);
                }
                currentKey = userKey;
                // versions of a key come in revision order: the last one decides whether it is live
                newest = StoredVersion.isTombstone(raw) ? null : new LatestVersion(
                        RevisionKey.revision(encoded, encoded.length), StoredVersion.createRevision(raw),
                        StoredVersion.version(raw));
            }
            if (currentKey != null) {
                putLatest(currentKey, newest);
            }
        }
        clear(stores.staging());
        stores.meta().delete(txn, stagedKey);
        revision = point.revision();
        compactedRevision = point.compactedRevision();
        stores.meta().put(txn, new ArrayByteIterable(MetaKeys.COMPACTED),
                new ArrayByteIterable(MetaKeys.longValue(compactedRevision)));
        setLeaderIndex(point.leaderIndex());
    }

    @Override
    public void stageRestore(long restoreId, List<BackupKey> keys) {
        checkOpen();
        List<VersionRecord> versions = new ArrayList<>(keys.size());
        for (BackupKey k : keys) {
            if (k.value().length > StoreOptions.MAX_VALUE_BYTES) {
                throw new LimitExceededException("table " + stores.table() + ": restored value of key "
                        + Bytes.abbreviate(k.key()) + " is " + k.value().length + " bytes, over the limit of "
                        + StoreOptions.MAX_VALUE_BYTES);
            }
            // revision 0 is a placeholder: the commit gives every key its revision
            versions.add(new VersionRecord(k.key(), 0, 0, 1, k.value()));
        }
        stage(SnapshotPoint.restore(restoreId), versions);
    }

    @Override
    public long commitRestore(long restoreId, long keys) {
        checkOpen();
        if (inTxn) {
            throw new IllegalStateException("table " + stores.table() + ": restore commit inside a transaction");
        }
        ArrayByteIterable stagedKey = new ArrayByteIterable(MetaKeys.STAGED);
        ByteIterable staged = stores.meta().get(txn, stagedKey);
        SnapshotPoint stagedPoint = staged == null ? null : SnapshotPoint.decode(Stores.copy(staged));
        boolean ours = SnapshotPoint.restore(restoreId).equals(stagedPoint);
        long stagedCount = ours ? stores.staging().count(txn) : 0;
        if (keys > 0 && !ours) {
            throw new StagingMismatchException("table " + stores.table() + ": restore " + Long.toHexString(restoreId)
                    + " is not the one staged (another restore or a snapshot load replaced it)");
        }
        if (stagedCount != keys) {
            throw new StagingMismatchException("table " + stores.table() + ": restore " + Long.toHexString(restoreId)
                    + " sent " + keys + " keys but " + stagedCount + " are staged");
        }
        long rev = writeRevision();
        // the live keys the restore lacks end at this revision; the others get their new version below
        try (Cursor live = stores.latest().openCursor(txn)) {
            while (live.getNext()) {
                byte[] key = Stores.copy(live.getKey());
                if (keys == 0 || stores.staging().get(txn, new ArrayByteIterable(RevisionKey.encode(key, 0))) == null) {
                    stores.kv().put(txn, new ArrayByteIterable(RevisionKey.encode(key, rev)), TOMBSTONE);
                }
            }
        }
        clear(stores.latest());
        if (keys > 0) {
            LatestVersion restored = new LatestVersion(rev, rev, 1);
            ArrayByteIterable latestValue = new ArrayByteIterable(restored.encode());
            try (Cursor cursor = stores.staging().openCursor(txn)) {
                while (cursor.getNext()) {
                    byte[] encoded = Stores.copy(cursor.getKey());
                    byte[] raw = Stores.copy(cursor.getValue());
                    byte[] key = RevisionKey.userKey(encoded, encoded.length);
                    byte[] value = StoredVersion.value(raw, raw.length);
                    stores.kv().put(txn, new ArrayByteIterable(RevisionKey.encode(key, rev)),
                            new ArrayByteIterable(StoredVersion.encodePut(rev, 1, value)));
                    stores.latest().put(txn, new ArrayByteIterable(key), latestValue);
                }
            }
        }
        if (stagedPoint != null) {
            // an empty restore stages nothing: whatever is staged is stale, and a restore replaces it
            clear(stores.staging());
            stores.meta().delete(txn, stagedKey);
        }
        return rev;
    }

    @Override
    public void abortRestore(long restoreId) {
        checkOpen();
        ArrayByteIterable stagedKey = new ArrayByteIterable(MetaKeys.STAGED);
        ByteIterable staged = stores.meta().get(txn, stagedKey);
        if (staged != null && SnapshotPoint.decode(Stores.copy(staged)).equals(SnapshotPoint.restore(restoreId))) {
            clear(stores.staging());
            stores.meta().delete(txn, stagedKey);
        }
    }

    private void putLatest(byte[] key, LatestVersion newest) {
        if (newest != null) {
            stores.latest().put(txn, new ArrayByteIterable(key), new ArrayByteIterable(newest.encode()));
        }
    }

    private void clear(jetbrains.exodus.env.Store store) {
        try (Cursor cursor = store.openCursor(txn)) {
            while (cursor.getNext()) {
                cursor.deleteCurrent();
            }
        }
    }
}
