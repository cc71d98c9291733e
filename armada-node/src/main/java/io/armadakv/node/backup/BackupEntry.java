package io.armadakv.node.backup;

/** One live key of a backup and its newest value. */
public record BackupEntry(byte[] key, byte[] value) {
}
