package io.armadakv.node.storage;

/** The result of one operation of a transaction. */
public sealed interface OpResult permits RangeResult, PutResult, DeleteResult {
}
