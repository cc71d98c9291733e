package io.armadakv.node.raft;

import org.apache.ratis.thirdparty.io.grpc.Drainable;
import org.apache.ratis.thirdparty.io.grpc.KnownLength;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * One message on a relay stream: many requests share the stream, so each carries an id that its
 * reply repeats. A reply is either the receiver's answer or, with {@link #failed}, why it failed.
 * On the wire: the id (8 bytes), a flag byte (1 when failed), then the body.
 */
record RelayFrame(long id, boolean failed, byte[] body) {

    private static final int HEADER_BYTES = Long.BYTES + 1;

    static RelayFrame request(long id, byte[] body) {
        return new RelayFrame(id, false, body);
    }

    static RelayFrame reply(long id, byte[] body) {
        return new RelayFrame(id, false, body);
    }

    static RelayFrame failure(long id, String message) {
        return new RelayFrame(id, true, String.valueOf(message).getBytes(StandardCharsets.UTF_8));
    }

    String failureMessage() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Writes the header and then the body straight into gRPC's frame, with no copy joining them. */
    static final MethodDescriptor.Marshaller<RelayFrame> MARSHALLER = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(RelayFrame frame) {
            return new Encoded(frame);
        }

        @Override
        public RelayFrame parse(InputStream stream) {
            try {
                DataInputStream in = new DataInputStream(stream);
                long id = in.readLong();
                int flag = in.readUnsignedByte();
                return new RelayFrame(id, flag == 1, LeaderRelay.BYTES.parse(stream));
            } catch (IOException e) {
                throw new UncheckedIOException("truncated relay frame", e);
            }
        }
    };

    private static final class Encoded extends InputStream implements Drainable, KnownLength {
        private final byte[] header = new byte[HEADER_BYTES];
        private final byte[] body;
        private int pos;

        Encoded(RelayFrame frame) {
            long id = frame.id();
            for (int i = 0; i < Long.BYTES; i++) {
                header[i] = (byte) (id >>> (56 - 8 * i));
            }
            header[Long.BYTES] = (byte) (frame.failed() ? 1 : 0);
            this.body = frame.body();
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = available();
            if (pos < HEADER_BYTES) {
                target.write(header, pos, HEADER_BYTES - pos);
                target.write(body);
            } else {
                target.write(body, pos - HEADER_BYTES, body.length - (pos - HEADER_BYTES));
            }
            pos = HEADER_BYTES + body.length;
            return n;
        }

        @Override
        public int available() {
            return HEADER_BYTES + body.length - pos;
        }

        @Override
        public int read() {
            if (available() == 0) {
                return -1;
            }
            int b = pos < HEADER_BYTES ? header[pos] : body[pos - HEADER_BYTES];
            pos++;
            return b & 0xff;
        }

        @Override
        public int read(byte[] target, int offset, int length) {
            int left = available();
            if (left == 0) {
                return length == 0 ? 0 : -1;
            }
            int n = Math.min(length, left);
            for (int done = 0; done < n; ) {
                int chunk;
                if (pos < HEADER_BYTES) {
                    chunk = Math.min(n - done, HEADER_BYTES - pos);
                    System.arraycopy(header, pos, target, offset + done, chunk);
                } else {
                    chunk = n - done;
                    System.arraycopy(body, pos - HEADER_BYTES, target, offset + done, chunk);
                }
                pos += chunk;
                done += chunk;
            }
            return n;
        }
    }
}
