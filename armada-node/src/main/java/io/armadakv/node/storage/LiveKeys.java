package io.armadakv.node.storage;

/**
 * A forward walk over the live keys of a range as of one revision, in key order. The accessors
 * describe the key {@link #next()} last moved to; {@link #value()} is fetched only when asked,
 * so count-only and keys-only reads never touch values.
 */
interface LiveKeys extends AutoCloseable {

    boolean next();

    byte[] key();

    long modRevision();

    long createRevision();

    long version();

    byte[] value();

    /** Length of {@link #value()}; may be cheaper than fetching the value. */
    int valueLength();

    @Override
    void close();

    default KeyValue toKeyValue(boolean withValue) {
        return new KeyValue(key(), withValue ? value() : null, createRevision(), modRevision(), version());
    }

    /** Whether the walk has left the range at {@code key}. */
    static boolean pastEnd(KeyRange range, byte[] key) {
        if (range.isSingleKey()) {
            return !java.util.Arrays.equals(key, range.key());
        }
        return !range.isOpenEnded() && java.util.Arrays.compareUnsigned(key, range.rangeEnd()) >= 0;
    }
}
