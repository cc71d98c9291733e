package io.armadakv.node.backup;

import com.google.protobuf.ByteString;
import mvcc.v1.Mvcc;
import org.xerial.snappy.SnappyFramedOutputStream;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a table backup in the seed system's byte format (API.md RP-5): a Snappy framing-format
 * stream of records, each an 8-byte little-endian length and a serialized
 * {@code mvcc.v1.Command{table, type=PUT, kv{key, value}}}. Backups end without the DUMMY record
 * follower snapshots carry, so upstream and Regatta backups are interchangeable with ours.
 * Callers write keys in ascending order; {@link #close()} finishes the stream (and closes
 * {@code out}).
 */
public final class BackupWriter implements AutoCloseable {

    private final SnappyFramedOutputStream out;
    private final ByteString table;
    private final byte[] length = new byte[8];
    private long records;

    public BackupWriter(OutputStream out, String table) throws IOException {
        this.out = new SnappyFramedOutputStream(out);
        this.table = ByteString.copyFromUtf8(table);
    }

    public void write(byte[] key, byte[] value) throws IOException {
        Mvcc.Command record = Mvcc.Command.newBuilder().setTable(table)
                .setKv(Mvcc.KeyValue.newBuilder().setKey(ByteString.copyFrom(key)).setValue(ByteString.copyFrom(value)))
                .build();
        BackupReader.putLongLe(length, record.getSerializedSize());
        out.write(length);
        record.writeTo(out);
        records++;
    }

    public long records() {
        return records;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
