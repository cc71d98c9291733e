package io.armadakv.node.storage;

/** @param prev the live version the put replaced, when asked for and there was one; else null */
public record PutResult(long revision, KeyValue prev) implements OpResult {
}
