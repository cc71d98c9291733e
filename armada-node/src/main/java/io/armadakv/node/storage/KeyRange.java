package io.armadakv.node.storage;

import java.util.Arrays;

/**
 * The keys a request addresses, with etcd's conventions: an empty {@code rangeEnd} is the single
 * key {@code key}; a {@code rangeEnd} of the one byte 0x00 is every key at or after {@code key};
 * otherwise the half-open interval [key, rangeEnd). An empty {@code key} with a non-empty
 * {@code rangeEnd} starts at the first key. Keys are compared as unsigned bytes.
 */
public record KeyRange(byte[] key, byte[] rangeEnd) {

    private static final byte[] EMPTY = new byte[0];

    public KeyRange {
        key = key == null ? EMPTY : key;
        rangeEnd = rangeEnd == null ? EMPTY : rangeEnd;
    }

    public static KeyRange single(byte[] key) {
        return new KeyRange(key, EMPTY);
    }

    public static KeyRange of(byte[] key, byte[] rangeEnd) {
        return new KeyRange(key, rangeEnd);
    }

    /** Every key at or after {@code key}. */
    public static KeyRange fromKey(byte[] key) {
        return new KeyRange(key, new byte[] {0});
    }

    public static KeyRange all() {
        return new KeyRange(EMPTY, new byte[] {0});
    }

    /** The keys that start with {@code prefix} (all keys when no successor exists). */
    public static KeyRange prefix(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                return new KeyRange(prefix, Arrays.copyOf(end, i + 1));
            }
        }
        return new KeyRange(prefix, new byte[] {0});
    }

    public boolean isSingleKey() {
        return rangeEnd.length == 0;
    }

    public boolean isOpenEnded() {
        return rangeEnd.length == 1 && rangeEnd[0] == 0;
    }

    /** Whether {@code k} lies in this range. */
    public boolean contains(byte[] k) {
        if (isSingleKey()) {
            return Arrays.equals(k, key);
        }
        if (Arrays.compareUnsigned(k, key) < 0) {
            return false;
        }
        return isOpenEnded() || Arrays.compareUnsigned(k, rangeEnd) < 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyRange r && Arrays.equals(key, r.key) && Arrays.equals(rangeEnd, r.rangeEnd);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(key) + Arrays.hashCode(rangeEnd);
    }

    @Override
    public String toString() {
        return "KeyRange[" + Bytes.abbreviate(key) + ", " + Bytes.abbreviate(rangeEnd) + ")";
    }
}
