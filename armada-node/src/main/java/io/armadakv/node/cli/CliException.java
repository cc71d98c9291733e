package io.armadakv.node.cli;

/** A failure the command reports in one line and exits 1 for. */
final class CliException extends Exception {

    CliException(String message) {
        super(message);
    }
}
