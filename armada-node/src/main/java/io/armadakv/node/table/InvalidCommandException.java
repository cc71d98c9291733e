package io.armadakv.node.table;

/** A command no node can apply; it is refused the same way on every node. */
public class InvalidCommandException extends RuntimeException {

    public InvalidCommandException(String table, String message) {
        super("table " + table + ": " + message);
    }

    /** A refusal another node already described in full (a relayed write's). */
    InvalidCommandException(String message) {
        super(message);
    }
}
