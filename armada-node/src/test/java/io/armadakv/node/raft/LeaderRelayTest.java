package io.armadakv.node.raft;

import io.armadakv.node.it.LoopbackPorts;
import io.armadakv.node.it.Waits;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.Server;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaderRelayTest {

    private static RaftPeer peer(String id, int port) {
        return RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:" + port).build();
    }

    @Test
    void aRequestReachesThePeersReceiverAndItsReplyComesBack() throws Exception {
        int port = LoopbackPorts.next();
        LeaderRelay.Receiver upper = request -> CompletableFuture.completedFuture(
                new String(request, StandardCharsets.UTF_8).toUpperCase().getBytes(StandardCharsets.UTF_8));
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(LeaderRelay.service(() -> upper)).build().start();
        try (LeaderRelay relay = new LeaderRelay(List.of(peer("2", port)), 1 << 20)) {
            RaftPeerId two = RaftPeerId.valueOf("2");
            byte[] reply = relay.send(two, "abc".getBytes(StandardCharsets.UTF_8), 10_000).get(10, TimeUnit.SECONDS);
            assertEquals("ABC", new String(reply, StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!relay.ready(two)) {
                assertTrue(System.nanoTime() < deadline, "the connection came up");
                Thread.sleep(10);
            }
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void aReceiverFailureAndAnUnreachablePeerFailTheRequest() throws Exception {
        int port = LoopbackPorts.next();
        LeaderRelay.Receiver failing = request -> CompletableFuture.failedFuture(new IllegalStateException("no table 7"));
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(LeaderRelay.service(() -> failing)).build().start();
        int nobody = LoopbackPorts.next();
        try (LeaderRelay relay = new LeaderRelay(List.of(peer("2", port), peer("3", nobody)), 1 << 20)) {
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> relay.send(RaftPeerId.valueOf("2"), new byte[] {1}, 10_000).get(10, TimeUnit.SECONDS));
            assertTrue(refused.getCause() instanceof IOException);
            assertTrue(refused.getCause().getMessage().contains("no table 7"), refused.getCause().getMessage());
            // what a caller's handle() sees, and puts in its client's error: the bare exception
            Throwable seen = relay.send(RaftPeerId.valueOf("2"), new byte[] {1}, 10_000)
                    .handle((reply, error) -> error).get(10, TimeUnit.SECONDS);
            assertTrue(seen instanceof IOException, String.valueOf(seen));
            assertTrue(seen.getMessage().startsWith("relay to node 2 failed: "), seen.getMessage());

            assertFalse(relay.ready(RaftPeerId.valueOf("3")), "nothing listens there");
            ExecutionException unreachable = assertThrows(ExecutionException.class,
                    () -> relay.send(RaftPeerId.valueOf("3"), new byte[] {1}, 10_000).get(10, TimeUnit.SECONDS));
            assertTrue(unreachable.getCause() instanceof IOException);
            ExecutionException stranger = assertThrows(ExecutionException.class,
                    () -> relay.send(RaftPeerId.valueOf("9"), new byte[] {1}, 10_000).get(10, TimeUnit.SECONDS));
            assertTrue(stranger.getCause().getMessage().contains("not a member"), stranger.getCause().getMessage());
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void largeAndEmptyMessagesArriveWhole() throws Exception {
        int port = LoopbackPorts.next();
        LeaderRelay.Receiver reversed = request -> {
            byte[] r = new byte[request.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = request[request.length - 1 - i];
            }
            return CompletableFuture.completedFuture(r);
        };
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(LeaderRelay.service(() -> reversed)).build().start();
        try (LeaderRelay relay = new LeaderRelay(List.of(peer("2", port)), 4 << 20)) {
            RaftPeerId two = RaftPeerId.valueOf("2");
            // larger than a gRPC frame and Netty's read buffers, so it arrives in pieces
            byte[] big = new byte[(1 << 20) + 12_345];
            new java.util.Random(7).nextBytes(big);
            byte[] reply = relay.send(two, big, 10_000).get(10, TimeUnit.SECONDS);
            assertEquals(big.length, reply.length);
            for (int i = 0; i < big.length; i++) {
                if (reply[i] != big[big.length - 1 - i]) {
                    throw new AssertionError("byte " + i + " of the reply differs");
                }
            }
            assertEquals(0, relay.send(two, new byte[0], 10_000).get(10, TimeUnit.SECONDS).length);
        } finally {
            server.shutdownNow();
        }
    }

    /** A stream that says it knows its length but states less than it holds, and one that states nothing. */
    @Test
    void aMessageIsReadWholeWhateverItsStreamStates() {
        byte[] bytes = new byte[20_000];
        new java.util.Random(3).nextBytes(bytes);
        class Understated extends java.io.ByteArrayInputStream
                implements org.apache.ratis.thirdparty.io.grpc.KnownLength {
            Understated() {
                super(bytes);
            }

            @Override
            public synchronized int available() {
                return Math.min(super.available(), 1_000);
            }
        }
        assertTrue(java.util.Arrays.equals(bytes, LeaderRelay.RELAY.parseRequest(new Understated())));
        assertTrue(java.util.Arrays.equals(bytes, LeaderRelay.RELAY.parseResponse(
                new java.io.BufferedInputStream(new java.io.ByteArrayInputStream(bytes)))));
        byte[] drained = LeaderRelay.RELAY.parseRequest(LeaderRelay.RELAY.streamRequest(bytes));
        assertTrue(java.util.Arrays.equals(bytes, drained));
    }

    /** Counts the calls a server starts, by method name. */
    private static final class CallCounter implements ServerInterceptor {
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

        int of(String method) {
            AtomicInteger n = calls.get("armada.internal.v1.LeaderRelay/" + method);
            return n == null ? 0 : n.get();
        }

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                          ServerCallHandler<Q, R> next) {
            calls.computeIfAbsent(call.getMethodDescriptor().getFullMethodName(), m -> new AtomicInteger()).incrementAndGet();
            return next.startCall(call, headers);
        }
    }

    private static Server serve(int port, ServerServiceDefinition service, CallCounter counter) throws IOException {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(org.apache.ratis.thirdparty.io.grpc.ServerInterceptors.intercept(service, counter))
                .build().start();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void concurrentRequestsShareOneStreamAndEachGetsItsOwnReplyWhateverTheOrder() throws Exception {
        int port = LoopbackPorts.next();
        Map<String, CompletableFuture<byte[]>> held = new ConcurrentHashMap<>();
        LeaderRelay.Receiver holding = request -> held.computeIfAbsent(text(request), k -> new CompletableFuture<>());
        CallCounter counter = new CallCounter();
        Server server = serve(port, LeaderRelay.service(() -> holding), counter);
        try (LeaderRelay relay = new LeaderRelay(List.of(peer("2", port)), 1 << 20)) {
            RaftPeerId two = RaftPeerId.valueOf("2");
            List<CompletableFuture<byte[]>> replies = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                replies.add(relay.send(two, utf8("r" + i), 10_000));
            }
            Waits.until("all 50 requests reached the receiver", Duration.ofSeconds(10), () -> held.size() == 50);
            for (int i = 49; i >= 0; i--) {
                held.get("r" + i).complete(utf8("answer to r" + i));
            }
            for (int i = 0; i < 50; i++) {
                assertEquals("answer to r" + i, text(replies.get(i).get(10, TimeUnit.SECONDS)));
            }
            assertEquals(1, counter.of("RelayStream"), "one stream carried them all");
            assertEquals(0, counter.of("Relay"), "no unary calls");
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void aPeerThatServesNoStreamsGetsUnaryCallsAndLosesNoRequest() throws Exception {
        int port = LoopbackPorts.next();
        // what a node of the version before streams serves
        ServerServiceDefinition older = ServerServiceDefinition.builder("armada.internal.v1.LeaderRelay")
                .addMethod(LeaderRelay.RELAY, ServerCalls.asyncUnaryCall((request, observer) -> {
                    observer.onNext(utf8("old:" + text(request)));
                    observer.onCompleted();
                }))
                .build();
        CallCounter counter = new CallCounter();
        // sees the calls to methods the server does not have, before they are refused
        AtomicInteger streamsAsked = new AtomicInteger();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(org.apache.ratis.thirdparty.io.grpc.ServerInterceptors.intercept(older, counter))
                .fallbackHandlerRegistry(new org.apache.ratis.thirdparty.io.grpc.HandlerRegistry() {
                    @Override
                    public org.apache.ratis.thirdparty.io.grpc.ServerMethodDefinition<?, ?> lookupMethod(
                            String method, String authority) {
                        if (method.equals("armada.internal.v1.LeaderRelay/RelayStream")) {
                            streamsAsked.incrementAndGet();
                        }
                        return null;
                    }
                })
                .build().start();
        try (LeaderRelay relay = new LeaderRelay(List.of(peer("2", port)), 1 << 20)) {
            RaftPeerId two = RaftPeerId.valueOf("2");
            List<CompletableFuture<byte[]>> first = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                first.add(relay.send(two, utf8("a" + i), 10_000));
            }
            for (int i = 0; i < 5; i++) {
                assertEquals("old:a" + i, text(first.get(i).get(10, TimeUnit.SECONDS)));
            }
            assertEquals("old:b", text(relay.send(two, utf8("b"), 10_000).get(10, TimeUnit.SECONDS)));
            assertEquals(6, counter.of("Relay"), "each request exactly once");
            assertEquals(1, streamsAsked.get(), "after the refusal, no stream is tried again for a while");
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void anUnansweredRequestTimesOutAndTheStreamCarriesOn() throws Exception {
        int port = LoopbackPorts.next();
        LeaderRelay.Receiver slowOnce = request -> "slow".equals(text(request))
                ? new CompletableFuture<>() : CompletableFuture.completedFuture(request);
        CallCounter counter = new CallCounter();
        Server server = serve(port, LeaderRelay.service(() -> slowOnce), counter);
        try (LeaderRelay relay = new LeaderRelay(List.of(peer("2", port)), 1 << 20)) {
            RaftPeerId two = RaftPeerId.valueOf("2");
            ExecutionException late = assertThrows(ExecutionException.class,
                    () -> relay.send(two, utf8("slow"), 200).get(10, TimeUnit.SECONDS));
            assertTrue(late.getCause() instanceof IOException);
            assertTrue(late.getCause().getMessage().contains("no answer within 200 ms"), late.getCause().getMessage());
            Throwable seen = relay.send(two, utf8("slow"), 200).handle((reply, error) -> error).get(10, TimeUnit.SECONDS);
            assertTrue(seen instanceof IOException && seen.getMessage().contains("no answer within 200 ms"),
                    String.valueOf(seen));
            assertEquals("fast", text(relay.send(two, utf8("fast"), 10_000).get(10, TimeUnit.SECONDS)));
            assertEquals(1, counter.of("RelayStream"));
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void requestsWaitingWhenThePeerGoesAwayFailAndANewStreamServesTheNext() throws Exception {
        int port = LoopbackPorts.next();
        Map<String, CompletableFuture<byte[]>> held = new ConcurrentHashMap<>();
        LeaderRelay.Receiver holding = request -> held.computeIfAbsent(text(request), k -> new CompletableFuture<>());
        Server server = serve(port, LeaderRelay.service(() -> holding), new CallCounter());
        try (LeaderRelay relay = new LeaderRelay(List.of(peer("2", port)), 1 << 20)) {
            RaftPeerId two = RaftPeerId.valueOf("2");
            CompletableFuture<byte[]> waiting = relay.send(two, utf8("w"), 30_000);
            Waits.until("the request reached the receiver", Duration.ofSeconds(10), () -> held.containsKey("w"));
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            ExecutionException gone = assertThrows(ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
            assertTrue(gone.getCause() instanceof IOException, String.valueOf(gone.getCause()));
            assertTrue(gone.getCause().getMessage().contains("relay to node 2 failed"), gone.getCause().getMessage());

            LeaderRelay.Receiver echo = CompletableFuture::completedFuture;
            server = serve(port, LeaderRelay.service(() -> echo), new CallCounter());
            Waits.until("the peer is reachable again", Duration.ofSeconds(20), () -> relay.ready(two));
            assertEquals("again", text(relay.send(two, utf8("again"), 10_000).get(10, TimeUnit.SECONDS)));
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void aFrameSurvivesItsMarshallerWhicheverWayItIsRead() throws Exception {
        byte[] body = new byte[70_000];
        new java.util.Random(11).nextBytes(body);
        for (RelayFrame frame : List.of(RelayFrame.request(Long.MAX_VALUE - 3, body), RelayFrame.failure(-2, "no table 7"),
                RelayFrame.reply(0, new byte[0]))) {
            RelayFrame drained = RelayFrame.MARSHALLER.parse(RelayFrame.MARSHALLER.stream(frame));
            java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
            ((org.apache.ratis.thirdparty.io.grpc.Drainable) RelayFrame.MARSHALLER.stream(frame)).drainTo(sink);
            RelayFrame copied = RelayFrame.MARSHALLER.parse(new java.io.BufferedInputStream(
                    new java.io.ByteArrayInputStream(sink.toByteArray()), 1000));
            for (RelayFrame read : List.of(drained, copied)) {
                assertEquals(frame.id(), read.id());
                assertEquals(frame.failed(), read.failed());
                assertTrue(java.util.Arrays.equals(frame.body(), read.body()));
            }
        }
        assertEquals("no table 7", RelayFrame.MARSHALLER.parse(RelayFrame.MARSHALLER.stream(
                RelayFrame.failure(1, "no table 7"))).failureMessage());
    }
}
