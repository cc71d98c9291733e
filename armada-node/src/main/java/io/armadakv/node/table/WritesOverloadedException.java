package io.armadakv.node.table;

/** A table's queue of writes waiting for a Raft proposal is full: the client should back off and retry. */
public class WritesOverloadedException extends RuntimeException {

    public WritesOverloadedException(String message) {
        super(message);
    }
}
