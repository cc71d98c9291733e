package io.armadakv.node.raft;

import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ConnectivityState;
import org.apache.ratis.thirdparty.io.grpc.Drainable;
import org.apache.ratis.thirdparty.io.grpc.KnownLength;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Carries requests from one node to another over the Raft port, beside Ratis' own services: a
 * node that does not lead a table's group sends its clients' writes to the node that does
 * (ARCHITECTURE.md section 3). What the bytes mean is the {@link Receiver}'s business.
 * Requests to a peer travel as messages on one long-lived stream ({@link RelayStream}); the
 * unary call of earlier versions is still served, and used towards a peer that has no streams.
 */
public final class LeaderRelay implements AutoCloseable {

    /** Answers a relayed request on the receiving node; completes with the reply. */
    public interface Receiver {
        Receiver NONE = request -> CompletableFuture.failedFuture(new IllegalStateException("this node takes no relays yet"));

        CompletableFuture<byte[]> receive(byte[] request);
    }

    /**
     * Requests and replies as they are. gRPC writes a stream that can drain itself straight into
     * the frame, where it would copy any other through an 8 KiB buffer of its own, and the bytes
     * arriving are read into one array of their known length.
     */
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new DrainableBytes(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                if (!(stream instanceof KnownLength)) {
                    return stream.readAllBytes();
                }
                byte[] stated = stream.readNBytes(stream.available());
                int more = stream.read();
                if (more == -1) {
                    return stated;
                }
                ByteArrayOutputStream all = new ByteArrayOutputStream(stated.length + 8192);
                all.write(stated);
                all.write(more);
                stream.transferTo(all);
                return all.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private static final class DrainableBytes extends ByteArrayInputStream implements Drainable, KnownLength {
        DrainableBytes(byte[] bytes) {
            super(bytes);
        }

        @Override
        public synchronized int drainTo(OutputStream target) throws IOException {
            int n = count - pos;
            target.write(buf, pos, n);
            pos = count;
            return n;
        }
    }

    static final MethodDescriptor<byte[], byte[]> RELAY = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("armada.internal.v1.LeaderRelay/Relay")
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    /** The same requests as {@link #RELAY}, as messages on one long-lived stream per peer. */
    static final MethodDescriptor<RelayFrame, RelayFrame> STREAM = MethodDescriptor.<RelayFrame, RelayFrame>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName("armada.internal.v1.LeaderRelay/RelayStream")
            .setRequestMarshaller(RelayFrame.MARSHALLER)
            .setResponseMarshaller(RelayFrame.MARSHALLER)
            .build();

    /** How long a peer that does not know {@link #STREAM} (an older version) gets unary calls before streams are tried again. */
    static final long UNARY_RETRY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Map<RaftPeerId, String> addresses;
    private final Map<RaftPeerId, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Map<RaftPeerId, RelayStream> streams = new ConcurrentHashMap<>();
    /** Peers that answered a stream with UNIMPLEMENTED, and when to try a stream with them again. */
    private final Map<RaftPeerId, Long> unaryUntil = new ConcurrentHashMap<>();
    private final int maxMessageBytes;
    private volatile boolean closed;

    LeaderRelay(List<RaftPeer> peers, int maxMessageBytes) {
        Map<RaftPeerId, String> a = new java.util.HashMap<>();
        peers.forEach(p -> a.put(p.getId(), p.getAddress()));
        this.addresses = Map.copyOf(a);
        this.maxMessageBytes = maxMessageBytes;
    }

    /** The service a node offers on its Raft port; {@code receiver} is asked for each request. */
    static ServerServiceDefinition service(java.util.function.Supplier<Receiver> receiver) {
        return ServerServiceDefinition.builder("armada.internal.v1.LeaderRelay")
                .addMethod(RELAY, ServerCalls.asyncUnaryCall((request, observer) ->
                        receive(receiver, request).whenComplete((bytes, error) -> answer(observer, bytes, error))))
                .addMethod(STREAM, ServerCalls.asyncBidiStreamingCall(replies -> new StreamedRequests(receiver, replies)))
                .build();
    }

    /**
     * The receiving end of one relay stream: each request is handed to the receiver as it arrives,
     * and its reply goes back whenever it is ready, in whatever order. If the sender goes away,
     * the replies still to come are dropped.
     */
    private static final class StreamedRequests implements StreamObserver<RelayFrame> {
        private final java.util.function.Supplier<Receiver> receiver;
        private final StreamObserver<RelayFrame> replies;
        private int unanswered;
        private boolean senderDone;
        private boolean closed;

        StreamedRequests(java.util.function.Supplier<Receiver> receiver, StreamObserver<RelayFrame> replies) {
            this.receiver = receiver;
            this.replies = replies;
        }

        @Override
        public void onNext(RelayFrame request) {
            synchronized (this) {
                unanswered++;
            }
            receive(receiver, request.body()).whenComplete((bytes, error) -> reply(error == null
                    ? RelayFrame.reply(request.id(), bytes) : RelayFrame.failure(request.id(), causeOf(error).getMessage())));
        }

        private synchronized void reply(RelayFrame frame) {
            unanswered--;
            if (closed) {
                return;
            }
            replies.onNext(frame); // one writer at a time, as gRPC wants
            if (senderDone && unanswered == 0) {
                closed = true;
                replies.onCompleted();
            }
        }

        @Override
        public synchronized void onError(Throwable t) {
            closed = true; // the sender cancelled or its connection broke: nobody hears the replies
        }

        @Override
        public synchronized void onCompleted() {
            senderDone = true;
            if (unanswered == 0 && !closed) {
                closed = true;
                replies.onCompleted();
            }
        }
    }

    /** The receiver's reply to {@code request}; a receiver that throws fails the reply instead. */
    private static CompletableFuture<byte[]> receive(java.util.function.Supplier<Receiver> receiver, byte[] request) {
        try {
            return receiver.get().receive(request);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Throwable causeOf(Throwable error) {
        return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
    }

    private static void answer(StreamObserver<byte[]> observer, byte[] reply, Throwable error) {
        if (error != null) {
            Throwable e = causeOf(error);
            observer.onError(Status.INTERNAL.withDescription(String.valueOf(e.getMessage())).asRuntimeException());
            return;
        }
        observer.onNext(reply);
        observer.onCompleted();
    }

    /**
     * Whether a request to {@code peer} would go out on a live connection now. A relay on a
     * connection still being made could fail after the peer acted on it; callers take another
     * way instead, and this asks the channel to connect for next time.
     */
    public boolean ready(RaftPeerId peer) {
        ManagedChannel channel = channel(peer);
        return channel != null && channel.getState(true) == ConnectivityState.READY;
    }

    /**
     * Sends {@code request} to {@code peer}; completes with its reply, or exceptionally when the
     * peer could not be reached or did not answer within {@code timeoutMs}: then the receiver may
     * or may not have acted on it. Requests go as messages on one stream per peer; to a peer that
     * does not serve streams (an older version, during a rolling upgrade), as unary calls.
     */
    public CompletableFuture<byte[]> send(RaftPeerId peer, byte[] request, long timeoutMs) {
        ManagedChannel channel = channel(peer);
        if (channel == null) {
            return CompletableFuture.failedFuture(new IOException("node " + peer + " is not a member of this cluster"));
        }
        Long unary = unaryUntil.get(peer);
        if (unary != null && System.nanoTime() - unary < 0) {
            return sendUnary(peer, channel, request, timeoutMs);
        }
        // completed here with the bare exception, so that the caller's message reads as before
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        stream(peer, channel).send(request, timeoutMs).whenComplete((bytes, error) -> {
            if (error == null) {
                result.complete(bytes);
            } else if (causeOf(error) instanceof RelayStream.Refused && !closed) {
                // an older peer, during a rolling upgrade; it saw nothing of the request, so send it again
                unaryUntil.put(peer, System.nanoTime() + UNARY_RETRY_NANOS);
                sendUnary(peer, channel, request, timeoutMs).whenComplete((again, failed) -> {
                    if (failed == null) {
                        result.complete(again);
                    } else {
                        result.completeExceptionally(causeOf(failed));
                    }
                });
            } else {
                Throwable e = causeOf(error);
                result.completeExceptionally(e instanceof java.util.concurrent.TimeoutException
                        ? new IOException("relay to node " + peer + " failed: no answer within " + timeoutMs + " ms", e) : e);
            }
        });
        return result;
    }

    private RelayStream stream(RaftPeerId peer, ManagedChannel channel) {
        RelayStream current = streams.get(peer);
        if (current != null && !current.ended()) {
            return current;
        }
        return streams.compute(peer, (p, s) -> s == null || s.ended() ? RelayStream.open(p, channel) : s);
    }

    private CompletableFuture<byte[]> sendUnary(RaftPeerId peer, ManagedChannel channel, byte[] request, long timeoutMs) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        ClientCalls.asyncUnaryCall(channel.newCall(RELAY, CallOptions.DEFAULT.withDeadlineAfter(timeoutMs,
                TimeUnit.MILLISECONDS)), request, new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] value) {
                        result.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.completeExceptionally(new IOException("relay to node " + peer + " failed: "
                                + t.getMessage(), t));
                    }

                    @Override
                    public void onCompleted() {
                        if (!result.isDone()) {
                            result.completeExceptionally(new IOException("node " + peer + " sent no reply"));
                        }
                    }
                });
        return result;
    }

    private ManagedChannel channel(RaftPeerId peer) {
        String address = addresses.get(peer);
        if (address == null || closed) {
            return null;
        }
        return channels.computeIfAbsent(peer, p -> NettyChannelBuilder.forTarget(address)
                .usePlaintext()
                // the reply is handed to another pool at once; no executor hop on the way there
                .directExecutor()
                .maxInboundMessageSize(maxMessageBytes)
                .build());
    }

    @Override
    public void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
        streams.clear();
    }
}
