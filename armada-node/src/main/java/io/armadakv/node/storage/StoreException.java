package io.armadakv.node.storage;

/** A failure of the storage layer; the message always names the table. */
public class StoreException extends RuntimeException {

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
