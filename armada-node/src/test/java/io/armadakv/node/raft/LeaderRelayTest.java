package io.armadakv.node.raft;

import io.armadakv.node.it.LoopbackPorts;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.io.grpc.Server;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
}
