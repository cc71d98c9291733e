package io.armadakv.node.table;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import io.armadakv.node.storage.KeyRange;
import io.armadakv.node.storage.RangeQuery;
import mvcc.v1.Mvcc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Three nodes in one JVM on loopback: the table layer's cluster behaviour. */
class InProcessClusterTest {

    @TempDir
    Path dir;

    private static Mvcc.Command put(String key, String value) {
        return Mvcc.Command.newBuilder().setType(Mvcc.Command.CommandType.PUT)
                .setKv(Mvcc.KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)))
                .build();
    }

    /**
     * A wiped node's rescue chains several waits (catalog first, then each table: a gap must last
     * 3 s, then a step-down, an election and a snapshot), so the deadline is generous.
     */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!holds(condition)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** A table that is still opening or installing a snapshot does not hold the condition yet. */
    private static boolean holds(BooleanSupplier condition) {
        try {
            return condition.getAsBoolean();
        } catch (TableUnavailableException e) {
            return false;
        }
    }

    private static String value(Table t, String key) {
        var r = t.range(RangeQuery.of(KeyRange.single(key.getBytes(StandardCharsets.UTF_8))));
        return r.kvs().isEmpty() ? null : new String(r.kvs().getFirst().value(), StandardCharsets.UTF_8);
    }

    @Test
    void tablesWritesAndLinearizableReadsWorkFromEveryNode() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3).start()) {
            // created through node 3, hosted by all three
            cluster.node(2).create("t", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) {
                int n = i;
                await("table on node " + (n + 1), () -> cluster.node(n).find("t").isPresent());
            }
            // a write through each node, whichever leads, gets the next revision
            long prev = 0;
            for (int i = 0; i < 3; i++) {
                long rev = cluster.node(i).table("t").write(put("k" + i, "v" + i)).get(30, TimeUnit.SECONDS).getRevision();
                assertEquals(prev + 1, rev);
                prev = rev;
            }
            // a linearizable read on any node sees every write acknowledged before it began
            for (int i = 0; i < 3; i++) {
                Table t = cluster.node(i).table("t");
                t.linearizableBarrier().get(30, TimeUnit.SECONDS);
                assertEquals("v0", value(t, "k0"));
                assertEquals("v2", value(t, "k2"));
            }
            // all replicas end identical
            await("equal content", () -> {
                Set<String> hashes = new HashSet<>();
                for (int i = 0; i < 3; i++) {
                    hashes.add(cluster.node(i).table("t").store().contentHash().sha256Hex());
                }
                return hashes.size() == 1;
            });
            // deleted through node 1, gone everywhere
            cluster.node(0).delete("t").get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) {
                int n = i;
                await("table gone on node " + (n + 1), () -> cluster.node(n).find("t").isEmpty());
            }
        }
    }

    @Test
    void tableLeadershipSpreadsAcrossNodes() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3).start()) {
            for (int i = 0; i < 3; i++) {
                cluster.node(0).create("t" + i, Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS);
            }
            // each table's preferred leader is a different node; Ratis moves leadership there
            await("three different leaders", () -> {
                Set<Long> leaders = new HashSet<>();
                for (int i = 0; i < 3; i++) {
                    leaders.add(cluster.node(0).table("t" + i).state().leaderId());
                }
                return leaders.size() == 3 && !leaders.contains(0L);
            });
            // members registered themselves in the catalog
            await("three registered members", () -> cluster.node(1).members().size() == 3);
        }
    }

    @Test
    void aWipedNodeCatchesUpFromASnapshotAfterTheLogWasPurged() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, "--raft.snapshot-entries=20",
                "--raft.log-retained-entries=0", "--raft.log-segment-size=262144", "--raft.max-batch-bytes=16384",
                "--api.max-value-size=16384").start()) {
            cluster.node(0).create("t", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) {
                int n = i;
                await("table on node " + (n + 1), () -> cluster.node(n).find("t").isPresent());
            }
            cluster.stopNode(2);
            // one 8 KiB entry per write: the log fills several segments and snapshots, and is purged past node 3
            String pad = "x".repeat(8192);
            for (int i = 0; i < 120; i++) {
                cluster.node(i % 2).table("t").write(put("k" + i, "v" + i + pad)).get(30, TimeUnit.SECONDS);
            }
            Table t1 = cluster.node(0).table("t");
            long purgedTo = cluster.node(0).raft().division(t1.groupId()).orElseThrow().getRaftLog().getStartIndex();
            assertTrue(purgedTo > 20, "the log was purged (starts at " + purgedTo + ")");
            StoreStateMachine.deleteRecursively(dir.resolve("n3"));
            // hold the table's store opening on node 3, so its group stays half-started while the
            // leader asks for a snapshot install: Ratis would break the group for good if it let that in
            java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);
            String label = "#" + t1.id();
            StoreStateMachine.initializeHook = name -> {
                if (name.equals("t") || name.equals(label)) {
                    try {
                        opened.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            CompletableFuture<Void> restarted;
            try {
                restarted = CompletableFuture.runAsync(() -> cluster.startNode(2));
                await("the leader's snapshot request turned away while the group starts on node 3",
                        () -> {
                            TableManager n3 = cluster.node(2); // set once its start has begun
                            return n3 != null && n3.raft() != null && n3.raft().installsTurnedAway() > 0;
                        });
            } finally {
                StoreStateMachine.initializeHook = null;
                opened.countDown();
            }
            restarted.get(60, TimeUnit.SECONDS);
            await("table on the wiped node", () -> cluster.node(2).find("t").isPresent());
            Table t3 = cluster.node(2).table("t");
            await("the wiped node has every write", () -> t3.store().appliedIndex() >= t1.store().appliedIndex()
                    && t3.store().revision() == t1.store().revision());
            assertEquals(t1.store().contentHash(), t3.store().contentHash());
            assertEquals("v119" + pad, value(t3, "k119"));
            // and it keeps up with new writes through the log
            long rev = cluster.node(2).table("t").write(put("after", "x")).get(30, TimeUnit.SECONDS).getRevision();
            await("node 3 applied its own write", () -> t3.store().revision() == rev);
            assertEquals(0, t3.skippedEntries());

            // purge right after the install: more snapshots and purges on every node, then a restart
            for (int i = 0; i < 60; i++) {
                cluster.node(i % 3).table("t").write(put("p" + i, "v" + i + pad)).get(30, TimeUnit.SECONDS);
            }
            cluster.stopNode(2);
            cluster.startNode(2);
            await("node 3 is equal again after its restart", () -> sameContent(cluster, "t"));
        }
    }

    @Test
    void writesAndReadsContinueAcrossALeaderTransfer() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3).start()) {
            cluster.node(0).create("t", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) {
                int n = i;
                await("table on node " + (n + 1), () -> cluster.node(n).find("t").isPresent());
            }
            Table t = cluster.node(0).table("t");
            await("a leader", () -> t.state().leaderId() != 0);
            long before = t.write(put("a", "1")).get(30, TimeUnit.SECONDS).getRevision();
            long oldLeader = t.state().leaderId();
            long oldTerm = t.state().term();
            // the leader steps down and a new term elects a leader (Ratis transfers only to the preferred peer)
            assertTrue(cluster.node(0).raft().transferLeadership(t.groupId(), 0, 10_000));
            await("a leader in a new term", () -> t.state().term() > oldTerm && t.state().leaderId() != 0);
            // every node still takes writes, and a linearizable read on the old leader sees them
            for (int i = 0; i < 3; i++) {
                long rev = cluster.node(i).table("t").write(put("b" + i, "2")).get(30, TimeUnit.SECONDS).getRevision();
                assertEquals(before + 1 + i, rev);
            }
            Table onOldLeader = cluster.node((int) oldLeader - 1).table("t");
            onOldLeader.linearizableBarrier().get(30, TimeUnit.SECONDS);
            assertEquals("2", value(onOldLeader, "b2"));
            await("equal content", () -> sameContent(cluster, "t"));
        }
    }

    @Test
    void aRestartDuringASnapshotInstallStillEndsWithTheLeadersContent() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, "--raft.snapshot-entries=20",
                "--raft.log-retained-entries=0", "--raft.log-segment-size=1048576", "--raft.max-batch-bytes=65536",
                "--api.max-value-size=65536").start()) {
            cluster.node(0).create("t", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) {
                int n = i;
                await("table on node " + (n + 1), () -> cluster.node(n).find("t").isPresent());
            }
            cluster.stopNode(2);
            // enough data that fetching and importing the snapshot takes a noticeable while
            String pad = "y".repeat(8 * 1024);
            for (int i = 0; i < 600; i++) {
                cluster.node(i % 2).table("t").write(put("k" + i, i + pad)).get(30, TimeUnit.SECONDS);
            }
            StoreStateMachine.deleteRecursively(dir.resolve("n3"));
            // hold node 3's install between fetch and import, and restart the node right there
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            StoreStateMachine.installGate = gate;
            try {
                cluster.startNode(2);
                Path fetched = dir.resolve("n3").resolve("tables").resolve("10001.snapshot");
                await("node 3 fetched a snapshot", () -> java.nio.file.Files.exists(fetched));
                cluster.stopNode(2);
            } finally {
                StoreStateMachine.installGate = null;
                gate.countDown();
            }
            cluster.startNode(2);
            await("node 3 has the leader's content after all", () -> sameContent(cluster, "t"));
            assertEquals("599" + pad, value(cluster.node(2).table("t"), "k599"));
        }
    }

    private static boolean sameContent(InProcessCluster cluster, String table) {
        Set<String> hashes = new HashSet<>();
        for (int i = 0; i < cluster.size(); i++) {
            var t = cluster.node(i).find(table);
            if (t.isEmpty()) {
                return false;
            }
            hashes.add(t.get().store().contentHash().toString());
        }
        return hashes.size() == 1;
    }
}
