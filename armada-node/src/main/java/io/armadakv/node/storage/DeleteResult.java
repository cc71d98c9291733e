package io.armadakv.node.storage;

import java.util.List;

/**
 * @param deleted  the number of live keys deleted
 * @param prevKvs  the deleted versions in key order, when asked for; else empty
 * @param revision the revision of the delete, or the unchanged store revision when nothing was deleted
 */
public record DeleteResult(long revision, long deleted, List<KeyValue> prevKvs) implements OpResult {
}
