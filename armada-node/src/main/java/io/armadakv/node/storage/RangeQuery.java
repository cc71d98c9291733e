package io.armadakv.node.storage;

/**
 * A read of the live keys of a range.
 *
 * @param limit       at most this many keys (0 = no limit)
 * @param revision    read the store as of this revision (0 = latest)
 * @param maxBytes    stop before the encoded pairs (key, value, revisions, framing) placed in
 *                    the result reach this many bytes (0 = no bound); at least one key is always returned when one matches
 * @param minModRevision and the other three filters: 0 = no filter; a key passes when its
 *                    revision lies within the bounds (inclusive)
 */
public record RangeQuery(KeyRange range, long limit, boolean keysOnly, boolean countOnly, long revision,
                         long minModRevision, long maxModRevision, long minCreateRevision, long maxCreateRevision,
                         long maxBytes) {

    public static RangeQuery of(KeyRange range) {
        return new RangeQuery(range, 0, false, false, 0, 0, 0, 0, 0, 0);
    }

    public RangeQuery withLimit(long l) {
        return new RangeQuery(range, l, keysOnly, countOnly, revision, minModRevision, maxModRevision,
                minCreateRevision, maxCreateRevision, maxBytes);
    }

    public RangeQuery withRevision(long r) {
        return new RangeQuery(range, limit, keysOnly, countOnly, r, minModRevision, maxModRevision,
                minCreateRevision, maxCreateRevision, maxBytes);
    }

    public RangeQuery withMaxBytes(long b) {
        return new RangeQuery(range, limit, keysOnly, countOnly, revision, minModRevision, maxModRevision,
                minCreateRevision, maxCreateRevision, b);
    }

    public RangeQuery withKeysOnly(boolean k) {
        return new RangeQuery(range, limit, k, countOnly, revision, minModRevision, maxModRevision,
                minCreateRevision, maxCreateRevision, maxBytes);
    }

    public RangeQuery withCountOnly(boolean c) {
        return new RangeQuery(range, limit, keysOnly, c, revision, minModRevision, maxModRevision,
                minCreateRevision, maxCreateRevision, maxBytes);
    }

    boolean hasRevisionFilters() {
        return minModRevision > 0 || maxModRevision > 0 || minCreateRevision > 0 || maxCreateRevision > 0;
    }
}
