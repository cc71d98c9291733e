package io.armadakv.node.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Hand-built HTTP/2 for what grpc-java's client never sends: gRPC messages with a bad
 * compression flag or a length prefix that lies, frames of unknown types or wrong lengths, and
 * bytes that are not HTTP/2 at all. Headers are HPACK literals without indexing, which every
 * decoder must accept.
 */
final class RawHttp2 {

    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    RawHttp2 preface() {
        out.writeBytes(PREFACE);
        return frame(0x4, 0, 0, new byte[0]); // empty SETTINGS
    }

    RawHttp2 headers(int stream, String path, String encoding, boolean endStream) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        literal(block, ":method", "POST");
        literal(block, ":scheme", "http");
        literal(block, ":path", path);
        literal(block, ":authority", "localhost");
        literal(block, "content-type", "application/grpc");
        literal(block, "te", "trailers");
        if (encoding != null) {
            literal(block, "grpc-encoding", encoding);
        }
        return frame(0x1, 0x4 | (endStream ? 0x1 : 0), stream, block.toByteArray());
    }

    /** One gRPC message in a DATA frame: flag byte, then a 4-byte length that need not match the payload. */
    RawHttp2 grpcMessage(int stream, int flag, long declaredLength, byte[] payload, boolean endStream) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.write(flag);
        data.write((int) (declaredLength >>> 24));
        data.write((int) (declaredLength >>> 16));
        data.write((int) (declaredLength >>> 8));
        data.write((int) declaredLength);
        data.writeBytes(payload);
        return frame(0x0, endStream ? 0x1 : 0, stream, data.toByteArray());
    }

    RawHttp2 frame(int type, int flags, int stream, byte[] payload) {
        return frame(type, flags, stream, payload, payload.length);
    }

    /** A frame whose length field may lie about its payload. */
    RawHttp2 frame(int type, int flags, int stream, byte[] payload, int declaredLength) {
        out.write(declaredLength >>> 16);
        out.write(declaredLength >>> 8);
        out.write(declaredLength);
        out.write(type);
        out.write(flags);
        out.write(stream >>> 24 & 0x7F);
        out.write(stream >>> 16);
        out.write(stream >>> 8);
        out.write(stream);
        out.writeBytes(payload);
        return this;
    }

    RawHttp2 raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    private static void literal(ByteArrayOutputStream block, String name, String value) {
        block.write(0x00);
        string(block, name.getBytes(StandardCharsets.US_ASCII));
        string(block, value.getBytes(StandardCharsets.UTF_8));
    }

    /** An HPACK string without Huffman coding; the length is a 7-bit-prefix integer. */
    private static void string(ByteArrayOutputStream block, byte[] s) {
        int n = s.length;
        if (n < 127) {
            block.write(n);
        } else {
            block.write(127);
            n -= 127;
            while (n >= 128) {
                block.write((n & 0x7F) | 0x80);
                n >>>= 7;
            }
            block.write(n);
        }
        block.writeBytes(s);
    }

    /**
     * Writes {@code bytes} to a fresh connection and drains what the node answers until it closes
     * the connection or goes quiet; a node that stopped reading makes the write fail, which is fine.
     */
    static void send(int port, byte[] bytes, Random random) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(300 + random.nextInt(300));
            try {
                OutputStream o = socket.getOutputStream();
                int at = 0;
                while (at < bytes.length) {
                    // sometimes in pieces, so that frames straddle reads
                    int n = random.nextBoolean() ? bytes.length - at : 1 + random.nextInt(bytes.length - at);
                    o.write(bytes, at, n);
                    at += n;
                }
                o.flush();
            } catch (IOException closedByNode) {
                return;
            }
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                while (in.read(buffer) >= 0) {
                    // drain
                }
            } catch (SocketTimeoutException | java.net.SocketException quietOrReset) {
                // either is a survivable answer
            }
        }
    }
}
