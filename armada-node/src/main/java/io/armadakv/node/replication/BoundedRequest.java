package io.armadakv.node.replication;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Parser;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads one length-delimited request with a cap on its declared length, so a peer cannot make the
 * node buffer an arbitrarily large message on each of its streams. Requests are small: the
 * largest is a client certificate chain.
 */
final class BoundedRequest {

    static final int MAX_REQUEST_BYTES = 64 * 1024;

    private BoundedRequest() {
    }

    /** @return null at the end of the stream before any byte */
    static <T> T read(InputStream in, Parser<T> parser) throws IOException {
        int first = in.read();
        if (first == -1) {
            return null;
        }
        long length = CodedInputStream.readRawVarint32(first, in) & 0xFFFFFFFFL;
        if (length > MAX_REQUEST_BYTES) {
            throw new IOException("replication request of " + length + " bytes exceeds the limit of "
                    + MAX_REQUEST_BYTES + " bytes");
        }
        return parser.parseFrom(in.readNBytes((int) length));
    }
}
