package io.armadakv.replicator.quic;

import replication.v1.Replication.ReplicationFrame;
import tech.kwik.core.QuicStream;
import tech.kwik.core.StreamClosedException;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The leader's answer to one request: the frames of one QUIC stream, read one at a time by one
 * thread. Closing it, from any thread, abandons the rest of the answer and fails a blocked
 * {@link #next()}.
 */
public final class FrameStream implements AutoCloseable {

    /** The application error code sent to the leader when an answer is abandoned. */
    static final long ABANDONED = 2;

    private final QuicStream stream;
    private final InputStream in;
    private final String leader;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean ended;
    // whether anything came back yet: a frame, the end, or an error
    private volatile boolean heard;

    FrameStream(QuicStream stream, String leader, Runnable onClose) {
        this.stream = stream;
        this.in = stream.getInputStream();
        this.leader = leader;
        this.onClose = onClose;
    }

    /**
     * The next frame, or null once the leader ended the answer cleanly.
     *
     * @throws IOException if the leader reset the stream (its handler failed), the connection broke
     *         or timed out, or the stream was closed
     */
    public ReplicationFrame next() throws IOException {
        if (ended) {
            return null;
        }
        try {
            ReplicationFrame frame = ReplicationFrame.parseDelimitedFrom(in);
            heard = true;
            if (frame == null) {
                ended = true;
                close();
            }
            return frame;
        } catch (IOException e) {
            heard = true;
            if (e instanceof StreamClosedException) {
                // kwik wakes a blocked reader with Thread.interrupt() and can leave the flag set
                Thread.interrupted();
            }
            close();
            throw new IOException("answer from leader " + leader + " on stream " + stream.getStreamId()
                    + " failed: " + e.getMessage(), e);
        }
    }

    /** Whether the request is still unanswered: nothing read yet, and not closed. */
    boolean unanswered() {
        return !heard && !closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (!ended) {
                stream.abortReading(ABANDONED);
            }
            onClose.run();
        }
    }
}
