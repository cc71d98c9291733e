package io.armadakv.node.storage;

import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.Transaction;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Loads a {@link SnapshotFormat} stream into the empty stores of a new table. Records are
 * committed in batches so memory stays bounded; the meta records, which make the store a
 * store at a revision and applied index, are held back and written in the last transaction, only
 * after the checksum has proved the whole stream intact.
 */
final class SnapshotReader {

    private static final int BATCH = 10_000;

    private final String table;
    private final MessageDigest sha = SnapshotWriter.sha256();
    private final DigestInputStream digested;
    private final DataInputStream in;

    SnapshotReader(String table, InputStream source) {
        this.table = table;
        this.digested = new DigestInputStream(new BufferedInputStream(source, 64 * 1024), sha);
        this.in = new DataInputStream(digested);
    }

    SnapshotInfo importInto(Stores stores) throws IOException {
        byte[] magic = new byte[SnapshotFormat.MAGIC.length];
        readFully(magic);
        if (!Arrays.equals(magic, SnapshotFormat.MAGIC)) {
            throw corrupt("not an Armada KV snapshot (bad magic)");
        }
        int version = readInt();
        if (version != SnapshotFormat.VERSION) {
            throw corrupt("unsupported snapshot format version " + version + " (this node reads " + SnapshotFormat.VERSION + ")");
        }
        SnapshotInfo info = new SnapshotInfo(readLong(), readLong(), readLong(), readLong());
        long compacted = readLong();
        List<byte[][]> meta = new ArrayList<>();
        long records = 0;
        int inBatch = 0;
        byte lastTag = SnapshotFormat.KV;
        Transaction txn = stores.env().beginExclusiveTransaction();
        try {
            while (true) {
                byte tag = readByte();
                if (tag == SnapshotFormat.END) {
                    break;
                }
                // the writer emits kv, then latest, then meta records
                if (rank(tag) < 0 || rank(tag) < rank(lastTag)) {
                    throw corrupt("unexpected record tag 0x" + Integer.toHexString(tag & 0xFF) + " after " + records + " records");
                }
                lastTag = tag;
                byte[] key = readBlock(SnapshotFormat.MAX_RECORD_KEY, "key");
                byte[] value = readBlock(SnapshotFormat.MAX_RECORD_VALUE, "value");
                records++;
                switch (tag) {
                    case SnapshotFormat.KV -> put(stores.kv(), txn, key, value);
                    case SnapshotFormat.LATEST -> put(stores.latest(), txn, key, value);
                    case SnapshotFormat.STAGING -> put(stores.staging(), txn, key, value);
                    default -> meta.add(new byte[][] {key, value});
                }
                if (++inBatch == BATCH) {
                    commit(txn);
                    txn = stores.env().beginExclusiveTransaction();
                    inBatch = 0;
                }
            }
            long count = readLong();
            byte[] expected = sha.digest();
            digested.on(false);
            byte[] actual = new byte[expected.length];
            readFully(actual);
            if (count != records) {
                throw corrupt("trailer counts " + count + " records but the stream holds " + records);
            }
            if (!MessageDigest.isEqual(expected, actual)) {
                throw corrupt("checksum mismatch");
            }
            for (byte[][] m : meta) {
                put(stores.meta(), txn, m[0], m[1]);
            }
            checkHeader(stores, txn, info, compacted);
            commit(txn);
            return info;
        } finally {
            if (!txn.isFinished()) {
                txn.abort();
            }
        }
    }

    /** The header must describe the meta it came with, or one of the two is damaged. */
    private void checkHeader(Stores stores, Transaction txn, SnapshotInfo info, long compacted) {
        long[] applied = stores.applied(txn);
        SnapshotInfo fromMeta = new SnapshotInfo(applied[0], applied[1], stores.metaLong(txn, MetaKeys.REVISION),
                stores.metaLong(txn, MetaKeys.LEADER_INDEX));
        if (!fromMeta.equals(info) || stores.metaLong(txn, MetaKeys.COMPACTED) != compacted) {
            throw corrupt("header " + info + " (compacted " + compacted + ") disagrees with its meta records " + fromMeta);
        }
    }

    private static void put(Store store, Transaction txn, byte[] key, byte[] value) {
        store.put(txn, new ArrayByteIterable(key), new ArrayByteIterable(value));
    }

    private void commit(Transaction txn) {
        if (!txn.commit()) {
            throw new StoreException("table " + table + ": snapshot import transaction failed to commit");
        }
    }

    private byte[] readBlock(int max, String what) throws IOException {
        int n = readInt();
        if (n < 0 || n > max) {
            throw corrupt("record " + what + " length " + n + " outside 0.." + max);
        }
        byte[] b = new byte[n];
        readFully(b);
        return b;
    }

    private void readFully(byte[] b) throws IOException {
        try {
            in.readFully(b);
        } catch (EOFException e) {
            throw truncated();
        }
    }

    private static int rank(byte tag) {
        return switch (tag) {
            case SnapshotFormat.KV -> 0;
            case SnapshotFormat.LATEST -> 1;
            case SnapshotFormat.STAGING -> 2;
            case SnapshotFormat.META -> 3;
            default -> -1;
        };
    }

    private int readInt() throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw truncated();
        }
    }

    private long readLong() throws IOException {
        try {
            return in.readLong();
        } catch (EOFException e) {
            throw truncated();
        }
    }

    private byte readByte() throws IOException {
        try {
            return in.readByte();
        } catch (EOFException e) {
            throw truncated();
        }
    }

    private StoreException truncated() {
        return new StoreException("table " + table + ": snapshot is truncated");
    }

    private StoreException corrupt(String why) {
        return new StoreException("table " + table + ": snapshot is corrupted: " + why);
    }
}
