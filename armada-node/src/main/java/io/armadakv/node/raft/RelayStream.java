package io.armadakv.node.raft;

import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ClientCall;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.Status;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One long-lived relay stream to a peer. Every request on it is a message rather than a call of
 * its own, which spares both nodes a call's set-up and its headers each time. When the stream
 * ends, the requests still waiting fail (the peer may have acted on them), and the next request
 * opens a new stream.
 */
final class RelayStream {

    /** The peer refused the stream before reading any request from it: it has no streams (an older version). */
    static final class Refused extends IOException {
        Refused(RaftPeerId peer, String reason) {
            super("node " + peer + " refused the relay stream: " + reason);
        }
    }

    private final RaftPeerId peer;
    private final ClientCall<RelayFrame, RelayFrame> call;
    private final Map<Long, CompletableFuture<byte[]>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    /** Why the stream ended, what its unanswered requests fail with; null while it is open. */
    private volatile IOException endedBy;

    private RelayStream(RaftPeerId peer, ClientCall<RelayFrame, RelayFrame> call) {
        this.peer = peer;
        this.call = call;
    }

    static RelayStream open(RaftPeerId peer, ManagedChannel channel) {
        RelayStream stream = new RelayStream(peer, channel.newCall(LeaderRelay.STREAM, CallOptions.DEFAULT));
        stream.call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(RelayFrame frame) {
                stream.call.request(1);
                stream.answered(frame);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                stream.end(status);
            }
        }, new Metadata());
        stream.call.request(1);
        return stream;
    }

    boolean ended() {
        return endedBy != null;
    }

    /**
     * Sends {@code request}; its reply completes the future, or it fails with a TimeoutException
     * after {@code timeoutMs} without one, or when the stream ends first: with {@link Refused} if the peer has no streams
     * (then it did not see the request), else with an IOException (then it may have acted on it).
     */
    CompletableFuture<byte[]> send(byte[] request, long timeoutMs) {
        long id = ids.incrementAndGet();
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        waiting.put(id, reply);
        synchronized (this) {
            if (endedBy == null) {
                try {
                    // a ClientCall takes one sender at a time
                    call.sendMessage(RelayFrame.request(id, request));
                } catch (RuntimeException e) {
                    fail(id, new IOException("relay to node " + peer + " failed: " + e.getMessage(), e));
                    return reply;
                }
            }
        }
        IOException ended = endedBy;
        if (ended != null) {
            // the end's sweep may have run before this request was waiting
            fail(id, ended);
            return reply;
        }
        reply.orTimeout(timeoutMs, TimeUnit.MILLISECONDS).whenComplete((bytes, error) -> {
            if (error instanceof TimeoutException) {
                waiting.remove(id);
            }
        });
        return reply;
    }

    private void fail(long id, IOException error) {
        CompletableFuture<byte[]> reply = waiting.remove(id);
        if (reply != null) {
            reply.completeExceptionally(error);
        }
    }

    private void answered(RelayFrame frame) {
        CompletableFuture<byte[]> reply = waiting.remove(frame.id());
        if (reply == null) {
            return; // timed out already
        }
        if (frame.failed()) {
            reply.completeExceptionally(new IOException("relay to node " + peer + " failed: " + frame.failureMessage()));
        } else {
            reply.complete(frame.body());
        }
    }

    private void end(Status status) {
        String reason = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
        IOException error = status.getCode() == Status.Code.UNIMPLEMENTED ? new Refused(peer, reason)
                : new IOException("relay to node " + peer + " failed: the stream ended (" + reason + ")", status.asException());
        synchronized (this) {
            endedBy = error;
        }
        for (Long id : List.copyOf(waiting.keySet())) {
            fail(id, error);
        }
    }
}
