package io.armadakv.node.storage;

/**
 * A key's version as a read returns it. {@code value} is null when only keys were asked for.
 * {@code version} counts the writes to the key since it was (re)created, starting at 1.
 */
public record KeyValue(byte[] key, byte[] value, long createRevision, long modRevision, long version) {
}
