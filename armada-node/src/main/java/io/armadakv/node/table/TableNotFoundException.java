package io.armadakv.node.table;

public class TableNotFoundException extends RuntimeException {

    public TableNotFoundException(String table) {
        super("table not found: " + table);
    }
}
