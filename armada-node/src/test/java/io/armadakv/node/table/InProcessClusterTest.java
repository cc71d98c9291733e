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

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
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
}
