package io.armadakv.node.raft;

import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ClientCall;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.Status;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One long-lived relay stream to a peer. Every request on it is a message rather than a call of
 * its own, which spares both nodes a call's set-up and its headers each time. When the stream
 * ends, the requests still waiting fail (the peer may have acted on them), and the next request
 * opens a new stream.
 */
final class RelayStream {

    /** How a stream ended: which requests it left unanswered, and whether the peer does not know streams. */
    record Ended(List<Waiting> unanswered, boolean unsupported, String reason) {
    }

    record Waiting(byte[] request, long timeoutMs, CompletableFuture<byte[]> reply) {
    }

    private final RaftPeerId peer;
    private final ClientCall<RelayFrame, RelayFrame> call;
    private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean ended;

    private RelayStream(RaftPeerId peer, ClientCall<RelayFrame, RelayFrame> call) {
        this.peer = peer;
        this.call = call;
    }

    /** Opens a stream on {@code channel}; {@code onEnd} hears once when it ends, from the channel's thread. */
    static RelayStream open(RaftPeerId peer, ManagedChannel channel, Consumer<Ended> onEnd) {
        RelayStream stream = new RelayStream(peer, channel.newCall(LeaderRelay.STREAM, CallOptions.DEFAULT));
        stream.call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(RelayFrame frame) {
                stream.call.request(1);
                stream.answered(frame);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                onEnd.accept(stream.end(status));
            }
        }, new Metadata());
        stream.call.request(1);
        return stream;
    }

    boolean ended() {
        return ended;
    }

    /**
     * Sends {@code request}; its reply completes the future, or it fails after {@code timeoutMs}
     * without one. Requests sent after the stream ended fail as if it had ended under them.
     */
    CompletableFuture<byte[]> send(byte[] request, long timeoutMs) {
        long id = ids.incrementAndGet();
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        Waiting w = new Waiting(request, timeoutMs, reply);
        waiting.put(id, w);
        synchronized (this) {
            if (!ended) {
                // a ClientCall takes one sender at a time
                call.sendMessage(RelayFrame.request(id, request));
            }
        }
        if (ended) {
            // end() may have swept the map before this request was in it
            if (waiting.remove(id) != null) {
                reply.completeExceptionally(new IOException("relay to node " + peer + " failed: the stream ended"));
            }
            return reply;
        }
        reply.orTimeout(timeoutMs, TimeUnit.MILLISECONDS).whenComplete((bytes, error) -> {
            if (error instanceof TimeoutException) {
                waiting.remove(id);
            }
        });
        return reply.exceptionallyCompose(e -> CompletableFuture.failedFuture(e instanceof TimeoutException
                ? new IOException("relay to node " + peer + " failed: no answer within " + timeoutMs + " ms", e) : e));
    }

    private void answered(RelayFrame frame) {
        Waiting w = waiting.remove(frame.id());
        if (w == null) {
            return; // timed out already
        }
        if (frame.failed()) {
            w.reply().completeExceptionally(new IOException("relay to node " + peer + " failed: "
                    + frame.failureMessage()));
        } else {
            w.reply().complete(frame.body());
        }
    }

    private Ended end(Status status) {
        synchronized (this) {
            ended = true;
        }
        List<Waiting> unanswered = new ArrayList<>();
        for (Long id : List.copyOf(waiting.keySet())) {
            Waiting w = waiting.remove(id);
            if (w != null) {
                unanswered.add(w);
            }
        }
        String reason = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
        return new Ended(unanswered, status.getCode() == Status.Code.UNIMPLEMENTED, reason);
    }

    /** Ends the stream; the requests waiting on it fail. */
    void cancel(String why) {
        call.cancel(why, null);
    }
}
