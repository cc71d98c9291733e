package io.armadakv.node.storage;

import java.nio.charset.StandardCharsets;

/**
 * The fixed names of the {@code meta} store. Numbers are 8 big-endian bytes; the applied position
 * is index then term in one value so they can never be torn apart. User blobs live under their
 * own prefix so no table configuration name can shadow a counter.
 */
final class MetaKeys {

    static final byte[] REVISION = ascii("revision");
    static final byte[] APPLIED = ascii("applied");
    static final byte[] LEADER_INDEX = ascii("leader-index");
    static final byte[] COMPACTED = ascii("compacted");
    /** The snapshot point of the versions in the staging store. */
    static final byte[] STAGED = ascii("staged");
    static final String USER_PREFIX = "user/";

    private MetaKeys() {
    }

    static byte[] user(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("meta name must not be empty");
        }
        return (USER_PREFIX + name).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] longValue(long v) {
        byte[] out = new byte[8];
        RevisionKey.writeLong(out, 0, v);
        return out;
    }

    static byte[] appliedValue(long index, long term) {
        byte[] out = new byte[16];
        RevisionKey.writeLong(out, 0, index);
        RevisionKey.writeLong(out, 8, term);
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
