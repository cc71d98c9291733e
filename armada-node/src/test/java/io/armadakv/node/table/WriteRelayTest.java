package io.armadakv.node.table;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import io.armadakv.node.raft.RaftNode;
import io.armadakv.proto.internal.RelayRequest;
import io.armadakv.proto.internal.RelayResponse;
import mvcc.v1.Mvcc;
import mvcc.v1.Mvcc.CommandResult;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writes that reach a node which does not lead the table travel to the leader's batcher (WriteRouter). */
class WriteRelayTest {

    @TempDir
    Path dir;

    /** Counts where one node's batches went. */
    private static final class Counts implements TableObserver {
        final AtomicInteger entries = new AtomicInteger();
        final AtomicInteger proposedWrites = new AtomicInteger();
        final AtomicInteger relayedWrites = new AtomicInteger();

        @Override
        public void entryProposed(long tableId, int writes) {
            entries.incrementAndGet();
            proposedWrites.addAndGet(writes);
        }

        @Override
        public void writesRelayed(long tableId, int writes) {
            relayedWrites.addAndGet(writes);
        }
    }

    private static Mvcc.Command put(String key, String value) {
        return Mvcc.Command.newBuilder().setType(Mvcc.Command.CommandType.PUT)
                .setKv(Mvcc.KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)))
                .build();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** The index of the node leading table t, once every node agrees on it. */
    private static int leaderOf(InProcessCluster cluster) throws InterruptedException {
        await("one leader every node knows", () -> {
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < cluster.size(); i++) {
                seen.add(cluster.node(i).find("t").map(t -> t.state().leaderId()).orElse(0L));
            }
            return seen.size() == 1 && !seen.contains(0L);
        });
        return (int) cluster.node(0).table("t").state().leaderId() - 1;
    }

    @Test
    void writesToANonLeaderTravelInTheLeadersEntriesWithEveryWriteAnsweredByItsOwnResult() throws Exception {
        Counts[] counts = {new Counts(), new Counts(), new Counts()};
        try (InProcessCluster cluster = new InProcessCluster(dir, 3)) {
            for (int i = 0; i < 3; i++) {
                cluster.observe(i, counts[i]);
            }
            cluster.start();
            cluster.node(0).create("t", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS);
            int leader = leaderOf(cluster);
            int follower = (leader + 1) % 3;
            RaftNode followerRaft = cluster.node(follower).raft();
            RaftPeerId leaderPeer = RaftNode.peerId(leader + 1);
            Table atFollower = cluster.node(follower).table("t");
            Table atLeader = cluster.node(leader).table("t");
            // the first write may go through Ratis' client while the relay connection comes up
            atFollower.write(put("warm", "up")).get(30, TimeUnit.SECONDS);
            await("the relay connection to the leader", () -> followerRaft.relay().ready(leaderPeer));
            int proposedBefore = counts[follower].proposedWrites.get();
            int leaderEntriesBefore = counts[leader].entries.get();
            int leaderWritesBefore = counts[leader].proposedWrites.get();

            int n = 300;
            List<CompletableFuture<CommandResult>> viaFollower = new ArrayList<>();
            List<CompletableFuture<CommandResult>> viaLeader = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                viaFollower.add(atFollower.write(put("f" + i, "x")));
                viaLeader.add(atLeader.write(put("l" + i, "y")));
            }
            Set<Long> revisions = new HashSet<>();
            for (CompletableFuture<CommandResult> f : viaFollower) {
                revisions.add(f.get(30, TimeUnit.SECONDS).getRevision());
            }
            for (CompletableFuture<CommandResult> f : viaLeader) {
                revisions.add(f.get(30, TimeUnit.SECONDS).getRevision());
            }
            assertEquals(2 * n, revisions.size(), "every write got a revision of its own");
            long top = atLeader.store().revision();
            assertEquals(top - 2 * n + 1, revisions.stream().mapToLong(Long::longValue).min().orElseThrow());
            assertEquals(top, revisions.stream().mapToLong(Long::longValue).max().orElseThrow());

            assertEquals(proposedBefore, counts[follower].proposedWrites.get(),
                    "the follower proposed no entry of its own while the leader was reachable");
            assertTrue(counts[follower].relayedWrites.get() >= n, "the follower relayed its writes: "
                    + counts[follower].relayedWrites.get());
            int leaderEntries = counts[leader].entries.get() - leaderEntriesBefore;
            int leaderWrites = counts[leader].proposedWrites.get() - leaderWritesBefore;
            assertEquals(2 * n, leaderWrites, "the leader's entries carried both nodes' writes");
            assertTrue(leaderEntries < 2 * n, "several writes per entry: " + leaderEntries + " entries");
            // what the follower's clients wrote is what everyone reads
            await("the follower applied everything", () -> atFollower.store().revision() == top);
            Table atThird = cluster.node((leader + 2) % 3).table("t");
            await("the third node applied everything", () -> atThird.store().revision() == top);
            assertEquals(atLeader.store().contentHash().sha256Hex(), atFollower.store().contentHash().sha256Hex());
            for (int i = 0; i < n; i += 37) {
                assertEquals(1, atLeader.range(io.armadakv.node.storage.RangeQuery.of(io.armadakv.node.storage.KeyRange
                        .single(("f" + i).getBytes()))).kvs().size());
            }
        }
    }

    @Test
    void aNodeThatDoesNotLeadTheTableHandsRelayedWritesBackUntouched() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3).start()) {
            cluster.node(0).create("t", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS);
            int leader = leaderOf(cluster);
            int follower = (leader + 1) % 3;
            Table atLeader = cluster.node(leader).table("t");
            long before = atLeader.write(put("a", "1")).get(30, TimeUnit.SECONDS).getRevision();
            RaftNode leaderRaft = cluster.node(leader).raft();
            RaftPeerId followerPeer = RaftNode.peerId(follower + 1);
            byte[] request = RelayRequest.newBuilder().setTableId(atLeader.id()).addCommands(put("b", "2")).build()
                    .toByteArray();
            RelayResponse response = RelayResponse.parseFrom(
                    leaderRaft.relay().send(followerPeer, request, 10_000).get(30, TimeUnit.SECONDS));
            assertTrue(response.getNotLeader(), "refused as not the leader");
            assertEquals(0, response.getOutcomesCount());
            // had the follower proposed "b", this write would not get the next revision
            assertEquals(before + 1, atLeader.write(put("c", "3")).get(30, TimeUnit.SECONDS).getRevision());
            assertTrue(atLeader.range(io.armadakv.node.storage.RangeQuery.of(io.armadakv.node.storage.KeyRange
                    .single("b".getBytes()))).kvs().isEmpty(), "b was never written");

            // a table the receiver does not host is handed back the same way
            byte[] unknown = RelayRequest.newBuilder().setTableId(999_999).addCommands(put("b", "2")).build().toByteArray();
            assertTrue(RelayResponse.parseFrom(leaderRaft.relay().send(RaftNode.peerId(leader + 1), unknown, 10_000)
                    .get(30, TimeUnit.SECONDS)).getNotLeader());
        }
    }
}
