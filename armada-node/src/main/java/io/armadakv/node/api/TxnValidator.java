package io.armadakv.node.api;

import mvcc.v1.Mvcc;

import java.util.List;

/**
 * Checks every guard and op of a Txn before it is proposed, so a bad op is refused whole
 * instead of failing half-way through apply. Upstream checks none of these (API.md T-1).
 */
final class TxnValidator {

    private TxnValidator() {
    }

    static void validate(String table, Mvcc.Txn txn, RequestLimits limits) {
        limits.checkTxnOps(table, "compares", txn.getCompareCount());
        limits.checkTxnOps(table, "success ops", txn.getSuccessCount());
        limits.checkTxnOps(table, "failure ops", txn.getFailureCount());
        for (Mvcc.Compare c : txn.getCompareList()) {
            if (c.getKey().isEmpty() && c.getRangeEnd().isEmpty()) {
                throw ApiErrors.invalid("compare key must be set");
            }
            if (c.getResult() == Mvcc.Compare.CompareResult.UNRECOGNIZED) {
                throw ApiErrors.invalid("unknown compare result " + c.getResultValue());
            }
            if (c.getTarget() == Mvcc.Compare.CompareTarget.UNRECOGNIZED) {
                throw ApiErrors.invalid("unknown compare target " + c.getTargetValue());
            }
            limits.checkKey(table, "compare key", c.getKey());
            limits.checkKey(table, "compare range_end", c.getRangeEnd());
        }
        validateOps(table, txn.getSuccessList(), limits);
        validateOps(table, txn.getFailureList(), limits);
    }

    private static void validateOps(String table, List<Mvcc.RequestOp> ops, RequestLimits limits) {
        for (Mvcc.RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> {
                    Mvcc.RequestOp.Range r = op.getRequestRange();
                    if (r.getKey().isEmpty() && r.getRangeEnd().isEmpty()) {
                        throw ApiErrors.invalid("key must be set");
                    }
                    if (r.getLimit() < 0) {
                        throw ApiErrors.invalid("limit must be a positive number");
                    }
                    if (r.getKeysOnly() && r.getCountOnly()) {
                        throw ApiErrors.invalid("keys_only and count_only must not be set at the same time");
                    }
                    limits.checkKey(table, "key", r.getKey());
                    limits.checkKey(table, "range_end", r.getRangeEnd());
                }
                case REQUEST_PUT -> {
                    Mvcc.RequestOp.Put p = op.getRequestPut();
                    if (p.getKey().isEmpty()) {
                        throw ApiErrors.invalid("key must be set");
                    }
                    limits.checkKey(table, "key", p.getKey());
                    limits.checkValue(table, p.getKey(), p.getValue());
                }
                case REQUEST_DELETE_RANGE -> {
                    Mvcc.RequestOp.DeleteRange d = op.getRequestDeleteRange();
                    if (d.getKey().isEmpty()) {
                        throw ApiErrors.invalid("key must be set");
                    }
                    limits.checkKey(table, "key", d.getKey());
                    limits.checkKey(table, "range_end", d.getRangeEnd());
                }
                case REQUEST_NOT_SET -> {
                    // skipped, as upstream does (API.md T-7)
                }
            }
        }
    }
}
