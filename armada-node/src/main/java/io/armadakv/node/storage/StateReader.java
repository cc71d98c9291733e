package io.armadakv.node.storage;

import jetbrains.exodus.env.Transaction;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads one view of a table: a Xodus transaction (read-only for client reads, the entry's own
 * transaction inside {@link TableStore#apply}) plus the revision and compaction point that view
 * has. Every read of one request goes through one reader, so it sees one state.
 */
final class StateReader {

    private final Stores stores;
    private final Transaction txn;
    private final long revision;
    /** -1 until needed: reads of the current revision never look at it. */
    private long compactedRevision;

    StateReader(Stores stores, Transaction txn, long revision, long compactedRevision) {
        this.stores = stores;
        this.txn = txn;
        this.revision = revision;
        this.compactedRevision = compactedRevision;
    }

    /**
     * A reader of the committed state a transaction sees, counters taken from that same state:
     * the cached volatile counters of {@link TableStore} may already be one entry ahead.
     */
    static StateReader committed(Stores stores, Transaction txn) {
        return new StateReader(stores, txn, stores.metaLong(txn, MetaKeys.REVISION), -1);
    }

    long revision() {
        return revision;
    }

    long compactedRevision() {
        if (compactedRevision < 0) {
            compactedRevision = stores.metaLong(txn, MetaKeys.COMPACTED);
        }
        return compactedRevision;
    }

    /** The revision a query reads: its own, checked against compaction and the present, or the current one. */
    long readRevision(long requested) {
        if (requested < 0) {
            throw new IllegalArgumentException("table " + stores.table() + ": negative revision " + requested);
        }
        if (requested == 0) {
            return revision;
        }
        if (requested > revision) {
            throw new FutureRevisionException(stores.table(), requested, revision);
        }
        if (requested < compactedRevision()) {
            throw new CompactedRevisionException(stores.table(), requested, compactedRevision());
        }
        return requested;
    }

    LiveKeys liveKeys(KeyRange range, long readRevision) {
        return readRevision == revision
                ? new LatestKeys(stores, txn, range)
                : new HistoryKeys(stores, txn, range, readRevision);
    }

    RangeResult range(RangeQuery q) {
        long rev = readRevision(q.revision());
        return page(q.range(), q, rev, q.limit());
    }

    /**
     * One page of a range read: the matching keys of {@code range} at {@code readRevision}, at
     * most {@code limit} of them (0 = no limit) and, unless count-only, no more encoded pair
     * bytes ({@link #wireSize}) than {@code q.maxBytes()} (but at least one key). {@code more}
     * tells whether a matching key follows, which costs at most one more matching key of look-ahead.
     */
    RangeResult page(KeyRange range, RangeQuery q, long readRevision, long limit) {
        List<KeyValue> kvs = new ArrayList<>();
        long count = 0;
        long bytes = 0;
        boolean more = false;
        boolean filtered = q.hasRevisionFilters();
        try (LiveKeys keys = liveKeys(range, readRevision)) {
            while (keys.next()) {
                if (filtered && !passesFilters(q, keys)) {
                    continue;
                }
                if (limit > 0 && count == limit) {
                    more = true;
                    break;
                }
                if (q.countOnly()) {
                    count++;
                    continue;
                }
                byte[] value = q.keysOnly() ? null : keys.value();
                long size = wireSize(keys.key(), value, keys.createRevision(), keys.modRevision(), keys.version());
                if (q.maxBytes() > 0 && count > 0 && bytes + size > q.maxBytes()) {
                    more = true;
                    break;
                }
                bytes += size;
                kvs.add(new KeyValue(keys.key(), value, keys.createRevision(), keys.modRevision(), keys.version()));
                count++;
            }
        }
        return new RangeResult(kvs, more, count, readRevision);
    }

    /**
     * The bytes one pair adds to a range message: the encoded mvcc.v1.KeyValue with its field tag
     * and length, so that a page of {@code maxBytes} stays within gRPC's default 4 MiB message
     * limit however small the pairs are (counting only keys and values let pages of many small
     * pairs grow past it).
     */
    static long wireSize(byte[] key, byte[] value, long create, long mod, long version) {
        long body = bytesField(1, key.length) + (value == null ? 0 : bytesField(1, value.length))
                + varintField(1, create) + varintField(1, mod) + varintField(2, version);
        return 1 + varintSize(body) + body;
    }

    private static long bytesField(int tagBytes, long length) {
        return length == 0 ? 0 : tagBytes + varintSize(length) + length;
    }

    private static long varintField(int tagBytes, long v) {
        return v == 0 ? 0 : tagBytes + varintSize(v);
    }

    private static int varintSize(long v) {
        return v < 0 ? 10 : Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 6) / 7);
    }

    private static boolean passesFilters(RangeQuery q, LiveKeys keys) {
        long mod = keys.modRevision();
        long create = keys.createRevision();
        return (q.minModRevision() == 0 || mod >= q.minModRevision())
                && (q.maxModRevision() == 0 || mod <= q.maxModRevision())
                && (q.minCreateRevision() == 0 || create >= q.minCreateRevision())
                && (q.maxCreateRevision() == 0 || create <= q.maxCreateRevision());
    }

    /** The live version of one key in this view, or null. */
    KeyValue live(byte[] key) {
        try (LiveKeys keys = new LatestKeys(stores, txn, KeyRange.single(key))) {
            return keys.next() ? keys.toKeyValue(true) : null;
        }
    }

    /** Whether every compare holds in this view. */
    boolean holds(List<Compare> compares) {
        for (Compare c : compares) {
            if (!holds(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * etcd's rule: a guard on a range holds when every live key passes; with no live key a VALUE
     * guard fails and the other targets compare 0, so {@code CREATE == 0} tests absence. A VALUE
     * guard without a value tests existence and ignores the result operator.
     */
    boolean holds(Compare c) {
        boolean any = false;
        try (LiveKeys keys = new LatestKeys(stores, txn, c.range())) {
            while (keys.next()) {
                any = true;
                if (!passes(c, keys)) {
                    return false;
                }
            }
        }
        if (any) {
            return true;
        }
        return c.target() != Compare.Target.VALUE && matches(Long.compare(0, c.number()), c.result());
    }

    private static boolean passes(Compare c, LiveKeys keys) {
        return switch (c.target()) {
            case VALUE -> c.value() == null || matches(Arrays.compareUnsigned(keys.value(), c.value()), c.result());
            case VERSION -> matches(Long.compare(keys.version(), c.number()), c.result());
            case CREATE -> matches(Long.compare(keys.createRevision(), c.number()), c.result());
            case MOD -> matches(Long.compare(keys.modRevision(), c.number()), c.result());
        };
    }

    private static boolean matches(int cmp, Compare.Result result) {
        return switch (result) {
            case EQUAL -> cmp == 0;
            case NOT_EQUAL -> cmp != 0;
            case GREATER -> cmp > 0;
            case LESS -> cmp < 0;
        };
    }
}
