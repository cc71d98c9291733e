package io.armadakv.node.storage;

import java.io.ByteArrayOutputStream;

/** Encodes the revisions of one entry's commands: the first as a varint, then varint deltas. */
final class EntryRevisions {

    private EntryRevisions() {
    }

    static byte[] encode(long[] revisions) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(2 + revisions.length * 2);
        writeVarint(out, revisions.length);
        long previous = 0;
        for (long r : revisions) {
            // revisions never go down within an entry: deltas are small and non-negative
            writeVarint(out, r - previous);
            previous = r;
        }
        return out.toByteArray();
    }

    static long[] decode(byte[] raw) {
        int[] pos = {0};
        int n = (int) readVarint(raw, pos);
        long[] out = new long[n];
        long previous = 0;
        for (int i = 0; i < n; i++) {
            previous += readVarint(raw, pos);
            out[i] = previous;
        }
        return out;
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long readVarint(byte[] raw, int[] pos) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = raw[pos[0]++];
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("malformed varint in entry revisions");
    }
}
