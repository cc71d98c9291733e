package io.armadakv.node.table;

/** A replicated write landed at another revision than the leader gave it: the copies have diverged. */
public class DivergenceException extends RuntimeException {

    public DivergenceException(String table, long expected, long actual) {
        super("table " + table + ": replicated write expected revision " + expected + " but the store gave "
                + actual + "; this copy has diverged from the leader and stops applying");
    }
}
