package io.armadakv.node.api;

import com.google.protobuf.ByteString;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The bytes of a client stream's chunks as an {@link InputStream}, read on another thread than
 * the one gRPC delivers them on. The reader asks for the next message only when it takes one
 * ({@code requestMore}), so with a call in manual flow control at most a couple of chunks wait here.
 */
final class ChunkInputStream extends InputStream {

    private static final Object END = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Runnable requestMore;
    private final long deadlineNanos;
    private java.io.InputStream current = InputStream.nullInputStream();
    private boolean ended;
    private volatile IOException failure;

    ChunkInputStream(Runnable requestMore, long deadlineNanos) {
        this.requestMore = requestMore;
        this.deadlineNanos = deadlineNanos;
    }

    void add(ByteString data) {
        queue.add(data);
    }

    /** The client half-closed: the data ends here. */
    void end() {
        queue.add(END);
    }

    /** The call failed or was cancelled: the reader fails with {@code error}. */
    void fail(IOException error) {
        queue.add(error);
    }

    /**
     * Why the client's side of the stream failed (cancelled, out of order, out of time), or null:
     * a reader that wraps read errors would otherwise report it as corrupt data.
     */
    IOException failure() {
        return failure;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            int n = current.read(b, off, len);
            if (n > 0) {
                return n;
            }
            if (ended || !nextChunk()) {
                return -1;
            }
        }
    }

    private boolean nextChunk() throws IOException {
        Object next;
        try {
            long left = deadlineNanos - System.nanoTime();
            next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading a restore stream");
        }
        if (next == null) {
            failure = new IOException("restore deadline exceeded while waiting for the client's next chunk");
            throw failure;
        }
        if (next == END) {
            ended = true;
            return false;
        }
        if (next instanceof IOException e) {
            ended = true;
            failure = e;
            throw e;
        }
        current = ((ByteString) next).newInput();
        requestMore.run();
        return true;
    }
}
