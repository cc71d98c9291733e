package io.armadakv.node.storage;

/** A follower snapshot was asked of a table while a restore is staged on it; retry once it ends. */
public final class RestoreInProgressException extends StoreException {

    public RestoreInProgressException(String message) {
        super(message);
    }
}
