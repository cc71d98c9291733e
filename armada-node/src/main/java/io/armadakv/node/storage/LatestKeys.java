package io.armadakv.node.storage;

import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Transaction;

/**
 * Live keys of the current revision: walks {@code latest} and fetches each value with one get in
 * {@code kv}, never a key's history. A single key is a plain get, no cursor.
 */
final class LatestKeys implements LiveKeys {

    private final Stores stores;
    private final Transaction txn;
    private final KeyRange range;
    private Cursor cursor;
    private boolean started;
    private byte[] key;
    private LatestVersion latest;
    private byte[] rawValue;
    private int rawValueLength;

    LatestKeys(Stores stores, Transaction txn, KeyRange range) {
        this.stores = stores;
        this.txn = txn;
        this.range = range;
    }

    @Override
    public boolean next() {
        rawValue = null;
        if (range.isSingleKey()) {
            if (started || range.key().length == 0) {
                return false;
            }
            started = true;
            ByteIterable v = stores.latest().get(txn, new ArrayByteIterable(range.key()));
            if (v == null) {
                return false;
            }
            key = range.key();
            latest = LatestVersion.decode(v.getBytesUnsafe());
            return true;
        }
        boolean found;
        if (!started) {
            started = true;
            cursor = stores.latest().openCursor(txn);
            found = range.key().length == 0
                    ? cursor.getNext()
                    : cursor.getSearchKeyRange(new ArrayByteIterable(range.key())) != null;
        } else {
            found = cursor != null && cursor.getNext();
        }
        if (!found) {
            close();
            return false;
        }
        byte[] k = Stores.copy(cursor.getKey());
        if (LiveKeys.pastEnd(range, k)) {
            close();
            return false;
        }
        key = k;
        latest = LatestVersion.decode(cursor.getValue().getBytesUnsafe());
        return true;
    }

    private void fetch() {
        if (rawValue == null) {
            ByteIterable v = stores.kv().get(txn, new ArrayByteIterable(RevisionKey.encode(key, latest.modRevision())));
            if (v == null || StoredVersion.isTombstone(v.getBytesUnsafe())) {
                throw new StoreException("table " + stores.table() + ": key " + Bytes.abbreviate(key)
                        + " is live at revision " + latest.modRevision() + " but its version is missing");
            }
            rawValue = v.getBytesUnsafe();
            rawValueLength = v.getLength();
        }
    }

    @Override
    public byte[] key() {
        return key;
    }

    @Override
    public long modRevision() {
        return latest.modRevision();
    }

    @Override
    public long createRevision() {
        return latest.createRevision();
    }

    @Override
    public long version() {
        return latest.version();
    }

    @Override
    public byte[] value() {
        fetch();
        return StoredVersion.value(rawValue, rawValueLength);
    }

    @Override
    public int valueLength() {
        fetch();
        return StoredVersion.valueLength(rawValueLength);
    }

    @Override
    public void close() {
        if (cursor != null) {
            cursor.close();
            cursor = null;
        }
    }
}
