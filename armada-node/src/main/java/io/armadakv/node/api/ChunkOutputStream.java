package io.armadakv.node.api;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import replication.v1.Replication.SnapshotChunk;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;

/**
 * Cuts a byte stream into {@code SnapshotChunk{data, len=len(data), index=0}} messages of at
 * most {@link #CHUNK_BYTES} and sends them only while the client keeps up (gRPC flow control), so
 * a slow reader holds at most one chunk here. Runs on a thread of its own: it blocks, and the
 * call's callbacks that wake it must not wait behind it.
 */
final class ChunkOutputStream extends OutputStream {

    /** Upstream's snapshot and backup chunk size (API.md section 5). */
    static final int CHUNK_BYTES = 1024 * 1024;

    private final ServerCallStreamObserver<SnapshotChunk> call;
    private final long deadlineNanos;
    private final byte[] buf = new byte[CHUNK_BYTES];
    private final Object ready = new Object();
    private int used;
    private long sent;
    private volatile boolean cancelled;

    /** Must be constructed inside the service method: the handlers can only be set there. */
    ChunkOutputStream(ServerCallStreamObserver<SnapshotChunk> call, long deadlineNanos) {
        this.call = call;
        this.deadlineNanos = deadlineNanos;
        call.setOnReadyHandler(this::wake);
        call.setOnCancelHandler(() -> {
            cancelled = true;
            wake();
        });
    }

    private void wake() {
        synchronized (ready) {
            ready.notifyAll();
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, buf.length - used);
            System.arraycopy(b, off, buf, used, n);
            used += n;
            off += n;
            len -= n;
            if (used == buf.length) {
                send();
            }
        }
    }

    /** Sends what is buffered; the stream's end ({@link #close}) sends the rest. */
    private void send() throws IOException {
        if (used == 0) {
            return;
        }
        awaitReady();
        ByteString data = ByteString.copyFrom(buf, 0, used);
        call.onNext(SnapshotChunk.newBuilder().setData(data).setLen(used).build());
        sent += used;
        used = 0;
    }

    private void awaitReady() throws IOException {
        synchronized (ready) {
            while (!call.isReady()) {
                if (cancelled) {
                    throw new ClientGoneException("the client cancelled the backup");
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    throw new ClientGoneException("backup deadline exceeded");
                }
                try {
                    ready.wait(Math.max(1, Math.min(1000, left / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while sending a backup");
                }
            }
        }
        if (cancelled) {
            throw new ClientGoneException("the client cancelled the backup");
        }
    }

    /** Bytes sent so far. */
    long sent() {
        return sent;
    }

    @Override
    public void close() throws IOException {
        send();
    }

    /** The client went away or ran out of time: nobody is left to answer. */
    static final class ClientGoneException extends IOException {
        ClientGoneException(String message) {
            super(message);
        }

        Status status() {
            return getMessage().contains("deadline") ? Status.DEADLINE_EXCEEDED.withDescription(getMessage())
                    : Status.CANCELLED.withDescription(getMessage());
        }
    }
}
