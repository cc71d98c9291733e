package io.armadakv.node.storage;

import java.util.Arrays;

/**
 * The value of one version in the {@code kv} store: either a tombstone (the single byte 0x00),
 * or 0x01, the create revision and version as 8 big-endian bytes each, then the user value.
 * The mod revision is not repeated: it is the revision in the {@link RevisionKey}.
 *
 * @param value the user value, or null for a tombstone
 */
record StoredVersion(long createRevision, long version, byte[] value) {

    static final byte TOMBSTONE = 0x00;
    static final byte PUT = 0x01;
    static final int HEADER_BYTES = 17;
    static final byte[] TOMBSTONE_BYTES = {TOMBSTONE};

    boolean isTombstone() {
        return value == null;
    }

    static byte[] encodePut(long createRevision, long version, byte[] value) {
        byte[] out = new byte[HEADER_BYTES + value.length];
        out[0] = PUT;
        RevisionKey.writeLong(out, 1, createRevision);
        RevisionKey.writeLong(out, 9, version);
        System.arraycopy(value, 0, out, HEADER_BYTES, value.length);
        return out;
    }

    static boolean isTombstone(byte[] raw) {
        return raw[0] == TOMBSTONE;
    }

    static long createRevision(byte[] raw) {
        return RevisionKey.readLong(raw, 1);
    }

    static long version(byte[] raw) {
        return RevisionKey.readLong(raw, 9);
    }

    static byte[] value(byte[] raw, int length) {
        return Arrays.copyOfRange(raw, HEADER_BYTES, length);
    }

    static int valueLength(int length) {
        return length - HEADER_BYTES;
    }

    static StoredVersion decode(byte[] raw, int length) {
        if (isTombstone(raw)) {
            return new StoredVersion(0, 0, null);
        }
        return new StoredVersion(createRevision(raw), version(raw), value(raw, length));
    }
}
