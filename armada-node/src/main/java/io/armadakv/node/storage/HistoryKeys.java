package io.armadakv.node.storage;

import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Transaction;

/**
 * Live keys as of a past revision: walks the versions in {@code kv} and, per key, takes the
 * newest version at or below the revision; the key is live when that version is not a tombstone.
 */
final class HistoryKeys implements LiveKeys {

    private final Transaction txn;
    private final Stores stores;
    private final KeyRange range;
    private final long revision;
    private Cursor cursor;
    private boolean started;
    /** The cursor stands on the first version of a key not yet looked at. */
    private boolean onGroupStart;
    private byte[] key;
    private long modRevision;
    private byte[] raw;
    private int rawLength;

    HistoryKeys(Stores stores, Transaction txn, KeyRange range, long revision) {
        this.stores = stores;
        this.txn = txn;
        this.range = range;
        this.revision = revision;
    }

    @Override
    public boolean next() {
        if (!started) {
            started = true;
            if (range.isSingleKey() && range.key().length == 0) {
                return false;
            }
            cursor = stores.kv().openCursor(txn);
            onGroupStart = range.key().length == 0
                    ? cursor.getNext()
                    : cursor.getSearchKeyRange(new ArrayByteIterable(RevisionKey.encode(range.key(), 0))) != null;
        }
        while (onGroupStart) {
            ByteIterable k = cursor.getKey();
            byte[] groupKey = RevisionKey.userKey(k.getBytesUnsafe(), k.getLength());
            if (LiveKeys.pastEnd(range, groupKey)) {
                break;
            }
            byte[] best = null;
            int bestLength = 0;
            long bestRevision = 0;
            boolean sameKey;
            do {
                long rev = RevisionKey.revision(k.getBytesUnsafe(), k.getLength());
                if (rev <= revision) {
                    ByteIterable v = cursor.getValue();
                    best = Stores.copy(v);
                    bestLength = v.getLength();
                    bestRevision = rev;
                }
                onGroupStart = cursor.getNext();
                if (onGroupStart) {
                    k = cursor.getKey();
                    sameKey = RevisionKey.isKeyOf(k.getBytesUnsafe(), k.getLength(), groupKey);
                } else {
                    sameKey = false;
                }
            } while (sameKey);
            if (best != null && !StoredVersion.isTombstone(best)) {
                key = groupKey;
                modRevision = bestRevision;
                raw = best;
                rawLength = bestLength;
                return true;
            }
        }
        onGroupStart = false;
        close();
        return false;
    }

    @Override
    public byte[] key() {
        return key;
    }

    @Override
    public long modRevision() {
        return modRevision;
    }

    @Override
    public long createRevision() {
        return StoredVersion.createRevision(raw);
    }

    @Override
    public long version() {
        return StoredVersion.version(raw);
    }

    @Override
    public byte[] value() {
        return StoredVersion.value(raw, rawLength);
    }

    @Override
    public int valueLength() {
        return StoredVersion.valueLength(rawLength);
    }

    @Override
    public void close() {
        if (cursor != null) {
            cursor.close();
            cursor = null;
        }
    }
}
