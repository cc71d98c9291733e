package io.armadakv.node.it;

import armada.v1.ClusterGrpc;
import armada.v1.CreateTableRequest;
import armada.v1.ListTablesRequest;
import armada.v1.Member;
import armada.v1.MemberListRequest;
import armada.v1.RangeResponse;
import armada.v1.StatusRequest;
import armada.v1.StatusResponse;
import armada.v1.TableStatus;
import armada.v1.TablesGrpc;
import io.armadakv.node.metrics.PrometheusText;
import mvcc.v1.Mvcc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Three ./armada leader processes on loopback, killed with SIGKILL and restarted under load. */
class ClusterIT {

    private static final String TABLE = "t";

    @TempDir
    Path dir;

    @Test
    void killingTheLeaderThenAFollowerUnderLoadLosesNoAcknowledgedWrite() throws Exception {
        List<ArmadaProcess> nodes = ArmadaProcess.cluster(dir, 3);
        try {
            createTable(nodes);
            ClusterLoad load = new ClusterLoad(nodes, TABLE, 6);
            try (load) {
                load.awaitProgress("first writes", 300, Duration.ofSeconds(60));

                ArmadaProcess leader = leaderOf(nodes);
                leader.kill9();
                load.awaitProgress("writes after the leader was killed", 100, Duration.ofSeconds(20));

                ArmadaProcess follower = nodes.stream().filter(ArmadaProcess::isAlive)
                        .filter(n -> n != leaderOf(nodes)).findFirst().orElseThrow();
                follower.kill9();
                // one node left of three: no majority, so no writes until a node is back
                leader.launch();
                load.awaitProgress("writes after the old leader came back", 100, Duration.ofSeconds(30));
                follower.launch();
                load.awaitProgress("writes with all three back", 100, Duration.ofSeconds(30));
            }
            verify(nodes, load);
        } finally {
            nodes.forEach(ArmadaProcess::close);
        }
    }

    @Test
    void rollingRestartUnderLoadLosesNoAcknowledgedWrite() throws Exception {
        List<ArmadaProcess> nodes = ArmadaProcess.cluster(dir, 3);
        try {
            createTable(nodes);
            ClusterLoad load = new ClusterLoad(nodes, TABLE, 6);
            try (load) {
                load.awaitProgress("first writes", 300, Duration.ofSeconds(60));
                for (ArmadaProcess node : nodes) {
                    node.stop();
                    load.awaitProgress("writes with one node down", 50, Duration.ofSeconds(30));
                    node.launch();
                    load.awaitProgress("writes after the restart", 50, Duration.ofSeconds(30));
                }
            }
            verify(nodes, load);
        } finally {
            nodes.forEach(ArmadaProcess::close);
        }
    }

    private static void createTable(List<ArmadaProcess> nodes) {
        TablesGrpc.newBlockingStub(nodes.get(0).channel()).withDeadlineAfter(60, TimeUnit.SECONDS)
                .create(CreateTableRequest.newBuilder().setName(TABLE).build());
        for (ArmadaProcess n : nodes) {
            Waits.until("table on every node", Duration.ofSeconds(30), () -> TablesGrpc.newBlockingStub(n.channel())
                    .list(ListTablesRequest.getDefaultInstance()).getTablesList().stream()
                    .anyMatch(t -> t.getName().equals(TABLE)));
        }
    }

    /** The process leading the table's group, as the cluster reports it. */
    private static ArmadaProcess leaderOf(List<ArmadaProcess> nodes) {
        for (ArmadaProcess asked : nodes) {
            if (!asked.isAlive()) {
                continue;
            }
            try {
                String leader = ClusterGrpc.newBlockingStub(asked.channel()).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .status(StatusRequest.getDefaultInstance()).getTablesOrThrow(TABLE).getLeader();
                for (Member m : ClusterGrpc.newBlockingStub(asked.channel()).memberList(MemberListRequest.getDefaultInstance())
                        .getMembersList()) {
                    if (m.getId().equals(leader)) {
                        String raft = m.getPeerURLs(0);
                        for (ArmadaProcess n : nodes) {
                            if (raft.endsWith(":" + n.raftPort())) {
                                return n;
                            }
                        }
                    }
                }
            } catch (RuntimeException e) {
                // ask the next node
            }
        }
        throw new AssertionError("no node knows the leader of " + TABLE);
    }

    private static void verify(List<ArmadaProcess> nodes, ClusterLoad load) {
        // every node ends with the same content at the same revision
        Map<Integer, TableStatus> last = new HashMap<>();
        try {
            awaitEqualHashes(nodes, last);
        } catch (AssertionError e) {
            StringBuilder why = new StringBuilder(e.getMessage());
            for (int i = 0; i < nodes.size(); i++) {
                TableStatus t = last.get(i);
                why.append("\nnode ").append(i + 1).append(": ").append(t == null ? "no status"
                        : "revision " + t.getRevision() + ", applied " + t.getRaftAppliedIndex() + ", hash "
                        + t.getContentHash() + ", term " + t.getRaftTerm() + ", leader " + t.getLeader());
            }
            for (int i = 0; i < nodes.size(); i++) {
                why.append("\n--- log of node ").append(i + 1).append(":\n").append(nodes.get(i).logTail());
            }
            throw new AssertionError(why.toString(), e);
        }
        assertTrue(last.get(0).getRevision() > 0);
        for (TableStatus t : last.values()) {
            assertTrue(t.getLogEntries() > 0 && t.getStoreBytes() > 0 && t.getRaftTerm() > 0, t.toString());
            assertEquals(last.get(0).getLeader(), t.getLeader(), "every node names the same leader");
        }
        // every node lists all three members with their ids, Raft and client addresses
        for (ArmadaProcess n : nodes) {
            List<Member> members = ClusterGrpc.newBlockingStub(n.channel()).memberList(MemberListRequest.getDefaultInstance())
                    .getMembersList();
            assertEquals(3, members.size());
            Set<String> ids = new HashSet<>();
            for (Member m : members) {
                ids.add(m.getId());
                assertEquals(1, m.getPeerURLsCount());
                assertEquals(1, m.getClientURLsCount(), m.toString());
            }
            assertEquals(3, ids.size());
            assertTrue(ids.contains(last.get(0).getLeader()), "the leader is one of the members");
        }
        assertTrue(load.acked.size() >= 600, "acknowledged writes: " + load.acked.size());
        verifyWrites(nodes, load);
        verifyRelayMetrics(nodes);
    }

    /** The load writes through every node: the others relay to the leader, and say how many writes in how many batches. */
    private static void verifyRelayMetrics(List<ArmadaProcess> nodes) {
        Map<String, String> table = Map.of("table", TABLE);
        double relays = 0;
        for (ArmadaProcess n : nodes) {
            PrometheusText text = PrometheusText.parse(n.restGet("/metrics"));
            double writes = text.value("armada_relayed_writes_total", table);
            double batches = text.value("armada_relays_total", table);
            assertEquals(writes > 0, batches > 0, "relayed writes go in relays: " + writes + " in " + batches);
            assertTrue(batches <= writes, "a relay carries at least one write: " + writes + " in " + batches);
            relays += batches;
        }
        assertTrue(relays > 0, "writes sent to nodes that do not lead were relayed");
    }

    private static void awaitEqualHashes(List<ArmadaProcess> nodes, Map<Integer, TableStatus> last) {
        // generous: the node restarted last may still be catching up, from a snapshot if the leader purged its
        // log, on a machine where three JVMs share two cores (a 60 s wait timed out twice in full suite runs)
        Waits.until("equal content hashes on all nodes", Duration.ofSeconds(120), () -> {
            Set<String> hashes = new HashSet<>();
            for (int i = 0; i < nodes.size(); i++) {
                StatusResponse s = ClusterGrpc.newBlockingStub(nodes.get(i).channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .status(StatusRequest.newBuilder().setContentHash(true).build());
                TableStatus t = s.getTablesMap().get(TABLE);
                if (t == null) {
                    return false; // a restarted node still opening the table reports it under errors
                }
                last.put(i, t);
                hashes.add(t.getRevision() + "/" + t.getContentHash());
            }
            return hashes.size() == 1;
        });
    }

    private static void verifyWrites(List<ArmadaProcess> nodes, ClusterLoad load) {
        for (int i = 0; i < nodes.size(); i++) {
            String n = "node " + (i + 1);
            // one range per node instead of two point reads per write; serializable, as the hashes are equal
            RangeResponse all = Api.all(nodes.get(i).channel(), TABLE);
            assertFalse(all.getMore(), "one range holds the table");
            Map<String, Long> modRevision = new HashMap<>();
            for (Mvcc.KeyValue kv : all.getKvsList()) {
                modRevision.put(kv.getKey().toStringUtf8(), kv.getModRevision());
            }
            for (Map.Entry<String, Long> e : load.acked.entrySet()) {
                assertEquals(e.getValue(), modRevision.get(e.getKey() + "/a"), "acknowledged write " + e.getKey() + " on " + n);
                assertEquals(e.getValue(), modRevision.get(e.getKey() + "/b"), "acknowledged write " + e.getKey() + " on " + n);
            }
            for (String id : load.uncertain) {
                int present = (modRevision.containsKey(id + "/a") ? 1 : 0) + (modRevision.containsKey(id + "/b") ? 1 : 0);
                assertTrue(present == 0 || present == 2, "write " + id + " half-applied");
            }
        }
    }

}
