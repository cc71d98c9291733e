package io.armadakv.node.replication;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Serves one QUIC stream of the replication endpoint: reads the peer's request from {@code in} and
 * writes the answer to {@code out}. Runs on its own virtual thread, so it may block.
 * <p>
 * Returning normally ends the stream cleanly; throwing resets it, which the peer sees as an
 * error rather than as the end of the answer. Closing {@code out} has no effect: the server ends
 * the stream only after the handler returned, so a failing handler can never look like a
 * complete answer.
 */
@FunctionalInterface
public interface StreamHandler {

    void handle(InputStream in, OutputStream out) throws IOException;
}
