package io.armadakv.replicator.it;

import armada.v1.ClusterGrpc;
import armada.v1.CreateTableRequest;
import armada.v1.DeleteTableRequest;
import armada.v1.KVGrpc;
import armada.v1.ListTablesRequest;
import armada.v1.PutRequest;
import armada.v1.PutResponse;
import armada.v1.RangeRequest;
import armada.v1.RangeResponse;
import armada.v1.StatusRequest;
import armada.v1.TableStatus;
import armada.v1.TablesGrpc;
import com.google.protobuf.ByteString;
import io.armadakv.node.it.ArmadaProcess;
import io.armadakv.node.it.Waits;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the replication tests do to clusters: write, read, and compare tables across them. */
final class Replication {

    static final Duration CONVERGE = Duration.ofSeconds(90);

    private Replication() {
    }

    static KVGrpc.KVBlockingStub kv(Channel ch) {
        return KVGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    static void createTable(ArmadaProcess leader, String name) {
        TablesGrpc.newBlockingStub(leader.channel()).withDeadlineAfter(60, TimeUnit.SECONDS)
                .create(CreateTableRequest.newBuilder().setName(name).build());
    }

    static void deleteTable(ArmadaProcess leader, String name) {
        TablesGrpc.newBlockingStub(leader.channel()).withDeadlineAfter(60, TimeUnit.SECONDS)
                .delete(DeleteTableRequest.newBuilder().setName(name).build());
    }

    static List<String> tableNames(ArmadaProcess node) {
        return TablesGrpc.newBlockingStub(node.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
                .list(ListTablesRequest.getDefaultInstance()).getTablesList().stream().map(t -> t.getName()).toList();
    }

    /** {@code writes} puts over {@code keys} keys ("key-N"), each value {@code value} followed by the write's number. */
    static void putMany(ArmadaProcess node, String table, int writes, int keys, String value) {
        for (int i = 0; i < writes; i++) {
            put(node, table, "key-" + (i % keys), value + i);
        }
    }

    static PutResponse put(ArmadaProcess node, String table, String key, String value) {
        return kv(node.channel()).put(PutRequest.newBuilder().setTable(ByteString.copyFromUtf8(table))
                .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build());
    }

    static RangeResponse get(ArmadaProcess node, String table, String key) {
        return kv(node.channel()).range(RangeRequest.newBuilder().setTable(ByteString.copyFromUtf8(table))
                .setKey(ByteString.copyFromUtf8(key)).build());
    }

    /** Every live key of the table: key to its mod revision and value. */
    static Map<String, String> contents(ArmadaProcess node, String table) {
        RangeResponse r = kv(node.channel()).range(RangeRequest.newBuilder().setTable(ByteString.copyFromUtf8(table))
                .setKey(ByteString.copyFrom(new byte[] {0})).setRangeEnd(ByteString.copyFrom(new byte[] {0})).build());
        Map<String, String> out = new java.util.TreeMap<>();
        r.getKvsList().forEach(kv -> out.put(kv.getKey().toStringUtf8(), kv.getModRevision() + "=" + kv.getValue().toStringUtf8()));
        return out;
    }

    /** The table's status on a node, null when the node does not have it (yet). */
    static TableStatus status(ArmadaProcess node, String table) {
        try {
            return ClusterGrpc.newBlockingStub(node.channel()).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .status(StatusRequest.newBuilder().setContentHash(true).build()).getTablesMap().get(table);
        } catch (StatusRuntimeException e) {
            return null;
        }
    }

    /** Waits until every node holds the table at the same revision and content hash as {@code reference}. */
    static TableStatus awaitSame(String table, ArmadaProcess reference, List<ArmadaProcess> nodes) {
        TableStatus[] expected = new TableStatus[1];
        Waits.until("table " + table + " to be equal on every node", CONVERGE, () -> {
            TableStatus want = status(reference, table);
            if (want == null) {
                return false;
            }
            for (ArmadaProcess n : nodes) {
                TableStatus got = status(n, table);
                if (got == null || got.getRevision() != want.getRevision()
                        || !got.getContentHash().equals(want.getContentHash())) {
                    return false;
                }
            }
            expected[0] = want;
            return true;
        });
        return expected[0];
    }

    /**
     * While writes go on: every node reaches the revision of all writes acknowledged so far and
     * holds each of them at its revision. (Equal hashes need the writes to stop: a node that
     * follows a moving leader is rarely at its exact revision when asked.)
     */
    static void awaitCaughtUp(String table, List<ArmadaProcess> nodes, Map<String, Long> acknowledged) {
        Map<String, Long> sofar = Map.copyOf(acknowledged);
        long revision = sofar.values().stream().mapToLong(Long::longValue).max().orElse(0);
        for (ArmadaProcess n : nodes) {
            Waits.until("node " + n.apiUrl() + " to reach revision " + revision + " of table " + table, CONVERGE, () -> {
                TableStatus got = status(n, table);
                return got != null && got.getRevision() >= revision;
            });
            assertHasAll(n, table, sofar);
        }
    }

    /** Puts distinct keys on the leader cluster until stopped, remembering each acknowledged revision. */
    static final class Writer implements AutoCloseable {
        final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong failures = new AtomicLong();
        private final Thread thread;

        Writer(List<ArmadaProcess> leaders, String table, String prefix) {
            thread = Thread.ofPlatform().daemon().name("writer-" + prefix).start(() -> {
                int i = 0;
                while (running.get()) {
                    ArmadaProcess node = leaders.get(i % leaders.size());
                    String key = prefix + String.format("%06d", i);
                    try {
                        if (node.isAlive()) {
                            acknowledged.put(key, put(node, table, key, "v" + i).getHeader().getRevision());
                        }
                    } catch (StatusRuntimeException e) {
                        failures.incrementAndGet(); // a write to a killed node: not acknowledged, not checked
                    }
                    i++;
                }
            });
        }

        void awaitAtLeast(int n) {
            Waits.until(n + " acknowledged writes", Duration.ofSeconds(60), () -> acknowledged.size() >= n);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }
    }

    /** Every acknowledged write is on the node at exactly the revision the leader gave it. */
    static void assertHasAll(ArmadaProcess node, String table, Map<String, Long> acknowledged) {
        Map<String, String> here = contents(node, table);
        acknowledged.forEach((key, revision) -> {
            String v = here.get(key);
            assertEquals(revision, v == null ? null : Long.parseLong(v.substring(0, v.indexOf('='))),
                    "key " + key + " on node " + node.apiUrl());
        });
    }
}
