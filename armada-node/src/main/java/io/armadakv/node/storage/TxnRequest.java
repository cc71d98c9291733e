package io.armadakv.node.storage;

import java.util.List;

public record TxnRequest(List<Compare> compares, List<TxnOp> success, List<TxnOp> failure) {

    /** True when no operation of either branch writes. */
    public boolean isReadOnly() {
        return success.stream().allMatch(op -> op instanceof TxnOp.Range)
                && failure.stream().allMatch(op -> op instanceof TxnOp.Range);
    }
}
