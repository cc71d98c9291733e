package io.armadakv.node.storage;

/** A snapshot commit that does not match what was staged: loading starts over, nothing changes. */
public final class StagingMismatchException extends StoreException {
    public StagingMismatchException(String message) {
        super(message, null);
    }
}
