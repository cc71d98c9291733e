package io.armadakv.node.storage;

/**
 * A digest of a table's live state at one revision: equal on every replica that applied the same
 * writes, so replicas can be compared without shipping data.
 */
public record ContentHash(long revision, String sha256Hex) {
}
