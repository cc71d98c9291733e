package io.armadakv.node.backup;

/** A backup stream that is not in the RP-5 format: truncated, corrupted, or over a limit. */
public class BackupFormatException extends java.io.IOException {

    public BackupFormatException(String message) {
        super(message);
    }

    public BackupFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
