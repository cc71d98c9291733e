package io.armadakv.node.storage;

import java.util.List;

/**
 * @param results  one per operation of the branch taken, in order
 * @param revision the transaction's revision if it wrote, else the store revision it read
 */
public record TxnResult(boolean succeeded, List<OpResult> results, long revision) {
}
