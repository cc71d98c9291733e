package io.armadakv.node.tls;

import java.io.IOException;

/** Certificate files that cannot be used; the message names the configuration key and the file. */
public final class TlsFileException extends IOException {

    public TlsFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
