package io.armadakv.node.storage;

import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.Transaction;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Writes one read transaction's view of a table as a {@link SnapshotFormat} stream. */
final class SnapshotWriter {

    private final Stores stores;
    private final Transaction txn;

    SnapshotWriter(Stores stores, Transaction txn) {
        this.stores = stores;
        this.txn = txn;
    }

    SnapshotInfo write(OutputStream target) throws IOException {
        MessageDigest sha = sha256();
        // not closed: the caller owns the target stream
        DataOutputStream out = new DataOutputStream(new DigestOutputStream(new BufferedOutputStream(target, 64 * 1024), sha));
        long[] applied = stores.applied(txn);
        SnapshotInfo info = new SnapshotInfo(applied[0], applied[1], stores.metaLong(txn, MetaKeys.REVISION),
                stores.metaLong(txn, MetaKeys.LEADER_INDEX));
        out.write(SnapshotFormat.MAGIC);
        out.writeInt(SnapshotFormat.VERSION);
        out.writeLong(info.appliedIndex());
        out.writeLong(info.appliedTerm());
        out.writeLong(info.revision());
        out.writeLong(info.leaderIndex());
        out.writeLong(stores.metaLong(txn, MetaKeys.COMPACTED));
        long records = writeStore(out, SnapshotFormat.KV, stores.kv())
                + writeStore(out, SnapshotFormat.LATEST, stores.latest())
                + writeStore(out, SnapshotFormat.STAGING, stores.staging())
                + writeStore(out, SnapshotFormat.META, stores.meta());
        out.writeByte(SnapshotFormat.END);
        out.writeLong(records);
        out.flush();
        byte[] digest = sha.digest();
        target.write(digest);
        target.flush();
        return info;
    }

    private long writeStore(DataOutputStream out, byte tag, Store store) throws IOException {
        long n = 0;
        try (Cursor cursor = store.openCursor(txn)) {
            while (cursor.getNext()) {
                ByteIterable k = cursor.getKey();
                ByteIterable v = cursor.getValue();
                out.writeByte(tag);
                out.writeInt(k.getLength());
                out.write(k.getBytesUnsafe(), 0, k.getLength());
                out.writeInt(v.getLength());
                out.write(v.getBytesUnsafe(), 0, v.getLength());
                n++;
            }
        }
        return n;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
