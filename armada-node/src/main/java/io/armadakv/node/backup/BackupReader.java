package io.armadakv.node.backup;

import com.google.protobuf.InvalidProtocolBufferException;
import mvcc.v1.Mvcc;
import org.xerial.snappy.SnappyFramedInputStream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a backup written in the RP-5 format (see {@link BackupWriter}) record by record, holding
 * one record at a time. Every defect is a {@link BackupFormatException} that says what is wrong:
 * a stream that is not Snappy framing format, a chunk whose CRC does not match, a stream cut off
 * inside a record, a record over {@link #MAX_RECORD_BYTES}, or a record that is not a PUT.
 * A trailing DUMMY record (follower snapshots end with one) carries no data and is skipped.
 */
public final class BackupReader implements AutoCloseable {

    /** Upstream loads each record into a 4 MiB buffer; larger ones cannot come from a valid backup. */
    public static final int MAX_RECORD_BYTES = 4 * 1024 * 1024;

    private final InputStream in;
    private final String source;
    private final byte[] length = new byte[8];
    private long records;
    private long offset;

    /** @param source names the stream in errors (a file name, a table) */
    public BackupReader(InputStream raw, String source) throws BackupFormatException {
        this.source = source;
        try {
            this.in = new SnappyFramedInputStream(raw, true);
        } catch (IOException e) {
            throw new BackupFormatException(source + ": not a backup (no Snappy framing format stream header): "
                    + e.getMessage(), e);
        }
    }

    /** The next key, or null at the end of the stream. */
    public BackupEntry next() throws BackupFormatException {
        while (true) {
            int got = readFully(length);
            if (got == 0) {
                return null;
            }
            if (got < length.length) {
                throw new BackupFormatException(source + ": truncated: the stream ends inside the length of record "
                        + (records + 1) + " (decompressed offset " + offset + ")");
            }
            long size = getLongLe(length);
            if (size < 0 || size > MAX_RECORD_BYTES) {
                throw new BackupFormatException(source + ": record " + (records + 1) + " claims " + Long.toUnsignedString(size)
                        + " bytes, over the limit of " + MAX_RECORD_BYTES + " bytes per record (decompressed offset "
                        + offset + ")");
            }
            byte[] body = new byte[(int) size];
            if (readFully(body) < body.length) {
                throw new BackupFormatException(source + ": truncated: the stream ends inside record " + (records + 1)
                        + " (" + size + " bytes expected at decompressed offset " + offset + ")");
            }
            offset += length.length + size;
            records++;
            Mvcc.Command record;
            try {
                record = Mvcc.Command.parseFrom(body);
            } catch (InvalidProtocolBufferException e) {
                throw new BackupFormatException(source + ": record " + records + " is not a mvcc.v1.Command: "
                        + e.getMessage(), e);
            }
            switch (record.getType()) {
                case PUT -> {
                    return new BackupEntry(record.getKv().getKey().toByteArray(),
                            record.getKv().getValue().toByteArray());
                }
                case DUMMY -> {
                    // a follower snapshot's closing record: no data
                }
                default -> throw new BackupFormatException(source + ": record " + records + " is a "
                        + record.getType() + " command; a backup holds only PUT records");
            }
        }
    }

    /** Records read so far, data and DUMMY. */
    public long records() {
        return records;
    }

    private int readFully(byte[] buf) throws BackupFormatException {
        int n = 0;
        try {
            while (n < buf.length) {
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (EOFException e) {
            throw new BackupFormatException(source + ": truncated: the stream ends inside a compressed chunk after record "
                    + records + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BackupFormatException(source + ": corrupted after record " + records + ": " + e.getMessage(), e);
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    static void putLongLe(byte[] b, long v) {
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
    }

    static long getLongLe(byte[] b) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }
}
