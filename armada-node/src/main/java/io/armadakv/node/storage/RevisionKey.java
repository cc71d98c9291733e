package io.armadakv.node.storage;

import java.util.Arrays;

/**
 * The key of one version in the {@code kv} store: the user key in an order-preserving, prefix-free
 * escaping, then the revision as 8 big-endian bytes.
 *
 * <p>Each 0x00 of the user key becomes 0x00 0xFF and the key ends with 0x00 0x01. The terminator
 * sorts below every escaped byte, so a key sorts before every longer key it is a prefix of, and
 * because no encoded key is a prefix of another the revision suffix never mixes two keys: the
 * versions of one key are contiguous and ordered by revision. Xodus compares unsigned bytes, which
 * makes the store's order exactly (user key, revision).
 */
final class RevisionKey {

    static final int REVISION_BYTES = 8;

    private RevisionKey() {
    }

    static byte[] encode(byte[] userKey, long revision) {
        int zeros = 0;
        for (byte b : userKey) {
            if (b == 0) {
                zeros++;
            }
        }
        byte[] out = new byte[userKey.length + zeros + 2 + REVISION_BYTES];
        int p = 0;
        for (byte b : userKey) {
            out[p++] = b;
            if (b == 0) {
                out[p++] = (byte) 0xFF;
            }
        }
        out[p++] = 0;
        out[p++] = 1;
        writeLong(out, p, revision);
        return out;
    }

    /** The revision of an encoded key whose meaningful bytes are {@code encoded[0, length)}. */
    static long revision(byte[] encoded, int length) {
        return readLong(encoded, length - REVISION_BYTES);
    }

    /** The user key of an encoded key. */
    static byte[] userKey(byte[] encoded, int length) {
        int end = length - REVISION_BYTES - 2;
        int zeros = 0;
        for (int i = 0; i < end; i++) {
            if (encoded[i] == 0) {
                zeros++;
                i++;
            }
        }
        if (zeros == 0) {
            return Arrays.copyOf(encoded, end);
        }
        byte[] key = new byte[end - zeros];
        int p = 0;
        for (int i = 0; i < end; i++) {
            key[p++] = encoded[i];
            if (encoded[i] == 0) {
                i++;
            }
        }
        return key;
    }

    /** Whether the encoded key belongs to {@code userKey}, without allocating its decoded form. */
    static boolean isKeyOf(byte[] encoded, int length, byte[] userKey) {
        int end = length - REVISION_BYTES - 2;
        int p = 0;
        for (byte b : userKey) {
            if (p >= end || encoded[p++] != b) {
                return false;
            }
            if (b == 0) {
                p++;
            }
        }
        return p == end;
    }

    static void writeLong(byte[] out, int offset, long v) {
        for (int i = 7; i >= 0; i--) {
            out[offset + i] = (byte) v;
            v >>>= 8;
        }
    }

    static long readLong(byte[] in, int offset) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (in[offset + i] & 0xFF);
        }
        return v;
    }
}
