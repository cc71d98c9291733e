package io.armadakv.node.storage;

import jetbrains.exodus.env.Transaction;

import java.util.Arrays;
import java.util.NoSuchElementException;

/**
 * Pages of one range read over one read-only transaction. Each page resumes just after the last
 * key of the previous one (its successor is the key plus a 0x00 byte), so memory stays bounded by
 * one page whatever the size of the range, and writes committed meanwhile are never seen.
 */
final class PagedRangeIterator implements RangeIterator {

    private final Transaction txn;
    private final StateReader reader;
    private final RangeQuery query;
    private final long readRevision;
    private KeyRange remaining;
    private long returned;
    private boolean finished;

    PagedRangeIterator(Transaction txn, StateReader reader, RangeQuery query, long readRevision) {
        this.txn = txn;
        this.reader = reader;
        this.query = query;
        this.readRevision = readRevision;
        this.remaining = query.range();
    }

    @Override
    public boolean hasNext() {
        return !finished;
    }

    @Override
    public RangeResult next() {
        if (finished) {
            throw new NoSuchElementException();
        }
        boolean ok = false;
        try {
            long limitLeft = query.limit() == 0 ? 0 : query.limit() - returned;
            RangeResult page = reader.page(remaining, query, readRevision, limitLeft);
            returned += page.count();
            boolean limitReached = query.limit() > 0 && returned >= query.limit();
            if (page.more() && !query.countOnly() && !page.kvs().isEmpty() && !limitReached) {
                byte[] last = page.kvs().getLast().key();
                remaining = new KeyRange(Arrays.copyOf(last, last.length + 1), query.range().rangeEnd());
            } else {
                close();
            }
            ok = true;
            return page;
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    @Override
    public void close() {
        if (!finished) {
            finished = true;
            txn.abort();
        }
    }
}
