package io.armadakv.node.storage;

/** One operation of a transaction branch. */
public sealed interface TxnOp {

    record Range(RangeQuery query) implements TxnOp {
    }

    record Put(byte[] key, byte[] value, boolean prevKv) implements TxnOp {
    }

    record Delete(KeyRange range, boolean prevKv) implements TxnOp {
    }
}
