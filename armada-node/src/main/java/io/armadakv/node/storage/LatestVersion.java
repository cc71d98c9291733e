package io.armadakv.node.storage;

/**
 * The value of a key in the {@code latest} store: where its live version is. Reads of the current
 * state look here first and then fetch exactly one version from {@code kv}, instead of walking a
 * key's history. Encoded as mod revision, create revision and version, 8 big-endian bytes each.
 */
record LatestVersion(long modRevision, long createRevision, long version) {

    static final int BYTES = 24;

    byte[] encode() {
        byte[] out = new byte[BYTES];
        RevisionKey.writeLong(out, 0, modRevision);
        RevisionKey.writeLong(out, 8, createRevision);
        RevisionKey.writeLong(out, 16, version);
        return out;
    }

    static LatestVersion decode(byte[] raw) {
        return new LatestVersion(RevisionKey.readLong(raw, 0), RevisionKey.readLong(raw, 8),
                RevisionKey.readLong(raw, 16));
    }
}
