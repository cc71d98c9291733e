package io.armadakv.node.storage;

import java.nio.charset.StandardCharsets;

/**
 * Version 1 of the snapshot stream, all numbers big-endian:
 * <pre>
 * header  : magic "ARMADAKV" (8) | format version (4) = 1 | applied index (8) | applied term (8)
 *           | revision (8) | leader index (8) | compacted revision (8)
 * record* : tag (1: 'K' kv, 'L' latest, 'S' staging, 'M' meta) | key length (4) | key | value length (4) | value
 * trailer : tag 'E' | record count (8) | SHA-256 (32) of every byte before it
 * </pre>
 * Records are the raw entries of the Xodus stores in key order, so an import rebuilds a
 * byte-identical store, history and all. Staging travels too: a follower node that takes a
 * snapshot in the middle of a snapshot load must commit that load exactly as its peers do.
 */
final class SnapshotFormat {

    static final byte[] MAGIC = "ARMADAKV".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final byte KV = 'K';
    static final byte LATEST = 'L';
    static final byte STAGING = 'S';
    static final byte META = 'M';
    static final byte END = 'E';
    /** Bounds that no valid record exceeds, so a corrupted length fails fast instead of allocating gigabytes. */
    static final int MAX_RECORD_KEY = 2 * StoreOptions.MAX_KEY_BYTES + 16;
    static final int MAX_RECORD_VALUE = StoreOptions.MAX_VALUE_BYTES + 64;

    private SnapshotFormat() {
    }
}
