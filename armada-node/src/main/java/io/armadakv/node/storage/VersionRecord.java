package io.armadakv.node.storage;

/**
 * One stored version of a key, as a snapshot moves it between clusters.
 *
 * @param value the value, or null when the version is a deletion
 */
public record VersionRecord(byte[] key, long modRevision, long createRevision, long version, byte[] value) {

    public boolean isDeletion() {
        return value == null;
    }

    /** Bytes it takes on the wire, roughly: for sizing batches. */
    public int approximateSize() {
        return key.length + (value == null ? 0 : value.length) + 32;
    }
}
