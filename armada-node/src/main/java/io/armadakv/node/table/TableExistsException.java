package io.armadakv.node.table;

public class TableExistsException extends RuntimeException {

    public TableExistsException(String table) {
        super("table already exists: " + table);
    }
}
