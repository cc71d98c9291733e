package io.armadakv.node.table;

/** A transient condition (no leader yet, leader changing, group starting or closing): retrying can succeed. */
public class TableUnavailableException extends RuntimeException {

    public TableUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
