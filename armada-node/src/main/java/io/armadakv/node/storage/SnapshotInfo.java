package io.armadakv.node.storage;

/** Where the state in a snapshot stands in the Raft log and in the table's revision history. */
public record SnapshotInfo(long appliedIndex, long appliedTerm, long revision, long leaderIndex) {
}
