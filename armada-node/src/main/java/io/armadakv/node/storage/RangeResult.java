package io.armadakv.node.storage;

import java.util.List;

/**
 * The answer to a {@link RangeQuery}.
 *
 * @param kvs      the keys in ascending order (empty for a count-only query)
 * @param more     true exactly when matching keys remain after the ones counted here
 * @param count    the number of keys in {@code kvs}; for a count-only query, the number of
 *                 matching keys up to the limit
 * @param revision the store revision the read saw
 */
public record RangeResult(List<KeyValue> kvs, boolean more, long count, long revision) implements OpResult {
}
