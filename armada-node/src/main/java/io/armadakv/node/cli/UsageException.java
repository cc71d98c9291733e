package io.armadakv.node.cli;

/** Flags that do not fit together; the command exits 2. */
final class UsageException extends Exception {

    UsageException(String message) {
        super(message);
    }
}
