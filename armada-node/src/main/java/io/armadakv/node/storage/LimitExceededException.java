package io.armadakv.node.storage;

/** A key or value is empty where it must not be, or larger than the store accepts. */
public class LimitExceededException extends StoreException {

    public LimitExceededException(String message) {
        super(message);
    }
}
