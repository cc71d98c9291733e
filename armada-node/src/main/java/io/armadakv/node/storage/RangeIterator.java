package io.armadakv.node.storage;

/**
 * Pages of a range read over one consistent view of the table. Holds a read transaction until it
 * is exhausted or closed, so callers must close it.
 */
public interface RangeIterator extends AutoCloseable {

    boolean hasNext();

    RangeResult next();

    @Override
    void close();
}
