package io.armadakv.replicator.it;

import armada.v1.CreateTableRequest;
import armada.v1.DeleteTableRequest;
import armada.v1.PutResponse;
import armada.v1.RangeResponse;
import armada.v1.TableStatus;
import armada.v1.TablesGrpc;
import io.armadakv.node.it.ArmadaProcess;
import io.armadakv.node.it.Waits;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.armadakv.replicator.it.Replication.awaitSame;
import static io.armadakv.replicator.it.Replication.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A one-node leader cluster, a one-node follower cluster and a replicator that reaches the
 * leader through a UDP relay the tests can cut, all as real processes on loopback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicationIT {

    @TempDir
    static Path dir;

    private ArmadaProcess leader;
    private ArmadaProcess follower;
    private UdpRelay relay;
    private ReplicatorProcess replicator;
    private final List<AutoCloseable> extra = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        leader = ArmadaProcess.cluster(dir.resolve("leader"), 1).getFirst();
        follower = ArmadaProcess.followerCluster(dir.resolve("follower"), 1, List.of(leader)).getFirst();
        relay = new UdpRelay(leader.replicationPort());
        replicator = new ReplicatorProcess(dir.resolve("replicator"), List.of("127.0.0.1:" + relay.port()),
                List.of(follower), "--replication.lease-ttl=3000").start();
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : extra) {
            c.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {replicator, relay, follower, leader}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    @Order(1)
    void writesOnTheLeaderAppearOnTheFollowerAtTheLeadersRevisions() {
        Replication.createTable(leader, "config");
        for (int i = 0; i < 50; i++) {
            Replication.put(leader, "config", "k" + (i % 20), "v" + i);
        }
        Replication.kv(leader.channel()).deleteRange(armada.v1.DeleteRangeRequest.newBuilder()
                .setTable(bs("config")).setKey(bs("k1")).setRangeEnd(bs("k2")).build());
        Replication.kv(leader.channel()).txn(armada.v1.TxnRequest.newBuilder().setTable(bs("config"))
                .addSuccess(mvcc.v1.Mvcc.RequestOp.newBuilder().setRequestPut(mvcc.v1.Mvcc.RequestOp.Put.newBuilder()
                        .setKey(bs("txn-a")).setValue(bs("1"))))
                .addSuccess(mvcc.v1.Mvcc.RequestOp.newBuilder().setRequestPut(mvcc.v1.Mvcc.RequestOp.Put.newBuilder()
                        .setKey(bs("txn-b")).setValue(bs("2")))).build());

        TableStatus same = awaitSame("config", leader, List.of(follower));
        assertEquals(Replication.contents(leader, "config"), Replication.contents(follower, "config"));
        assertEquals(status(leader, "config").getRevision(), same.getRevision());
        TableStatus onFollower = status(follower, "config");
        assertEquals(status(leader, "config").getLeaderIndex(), onFollower.getLeaderIndex());
        assertTrue(onFollower.getLeaderLastIndex() >= onFollower.getLeaderIndex());
        // the follower's metrics say the same as its Status, and its readiness holds
        io.armadakv.node.metrics.PrometheusText metrics = io.armadakv.node.metrics.PrometheusText.parse(
                follower.restGet("/metrics"));
        java.util.Map<String, String> table = java.util.Map.of("table", "config", "mp_scope", "application");
        assertEquals(onFollower.getLeaderIndex(), (long) metrics.value("armada_replication_leader_index", table));
        assertEquals(onFollower.getRevision(), (long) metrics.value("armada_store_revision", table));
        assertTrue(follower.restGet("/health/ready").contains("UP"));
        io.armadakv.node.metrics.PrometheusText replicatorMetrics = io.armadakv.node.metrics.PrometheusText.parse(
                replicator.metrics());
        java.util.Map<String, String> replicated = java.util.Map.of("table", "config");
        assertEquals(onFollower.getLeaderIndex(),
                (long) replicatorMetrics.value("armada_replicator_applied_leader_index", replicated));
        assertEquals(0, replicatorMetrics.value("armada_replicator_lag_entries", replicated));
        assertEquals(1, replicatorMetrics.value("armada_replicator_lease_held", replicated));
        double commands = replicatorMetrics.value("armada_replicator_commands_total", replicated);
        assertTrue(commands >= 52, "commands " + commands);
        assertTrue(replicatorMetrics.value("armada_replicator_quic_connects_total", java.util.Map.of()) >= 1);
        // a past revision reads the same on both sides
        long past = same.getRevision() - 10;
        assertEquals(Replication.kv(leader.channel()).range(all("config").setRevision(past).build()).getKvsList(),
                Replication.kv(follower.channel()).range(all("config").setRevision(past).build()).getKvsList());
    }

    @Test
    @Order(2)
    void aWriteThroughTheFollowerIsReadableThereWhenTheCallReturns() {
        for (int i = 0; i < 20; i++) {
            PutResponse put = Replication.put(follower, "config", "via-follower-" + i, "x" + i);
            RangeResponse read = Replication.get(follower, "config", "via-follower-" + i);
            assertEquals(1, read.getKvsCount(), "write " + i + " is not readable on the follower at once");
            assertEquals("x" + i, read.getKvs(0).getValue().toStringUtf8());
            assertEquals(put.getHeader().getRevision(), read.getKvs(0).getModRevision());
            assertEquals(put.getHeader().getRevision(), Replication.get(leader, "config", "via-follower-" + i)
                    .getKvs(0).getModRevision());
        }
        StatusRuntimeException create = assertThrows(StatusRuntimeException.class, () -> TablesGrpc
                .newBlockingStub(follower.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
                .create(CreateTableRequest.newBuilder().setName("nope").build()));
        assertEquals(Status.Code.UNIMPLEMENTED, create.getStatus().getCode());
        assertEquals("method Create not implemented for follower", create.getStatus().getDescription());
        StatusRuntimeException delete = assertThrows(StatusRuntimeException.class, () -> TablesGrpc
                .newBlockingStub(follower.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
                .delete(DeleteTableRequest.newBuilder().setName("config").build()));
        assertEquals(Status.Code.UNIMPLEMENTED, delete.getStatus().getCode());
        // the leader's refusal comes back with its code
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
                () -> Replication.put(follower, "no-such-table", "k", "v"));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
        assertTrue(missing.getStatus().getDescription().startsWith("leader error: rpc error: code = NotFound desc = "),
                missing.getStatus().getDescription());
    }

    @Test
    @Order(3)
    void aKilledReplicatorResumesWithNoGapAndNoDuplicate() throws Exception {
        try (Replication.Writer writer = new Replication.Writer(List.of(leader), "config", "kill-")) {
            writer.awaitAtLeast(200);
            replicator.kill9();
            writer.awaitAtLeast(400);
            replicator.start();
            writer.awaitAtLeast(600);
            writer.close();
            awaitSame("config", leader, List.of(follower));
            Replication.assertHasAll(follower, "config", writer.acknowledged);
        }
        assertEquals(Replication.contents(leader, "config"), Replication.contents(follower, "config"));
    }

    @Test
    @Order(4)
    void aCutLinkStopsReplicationAndConvergesWhenRestored() throws Exception {
        awaitSame("config", leader, List.of(follower));
        relay.cut();
        long before = status(follower, "config").getRevision();
        try (Replication.Writer writer = new Replication.Writer(List.of(leader), "config", "cut-")) {
            writer.awaitAtLeast(300);
            writer.close();
            // nothing crosses a cut link
            assertEquals(before, status(follower, "config").getRevision());
            assertTrue(status(leader, "config").getRevision() >= before + 300);
            relay.restore();
            awaitSame("config", leader, List.of(follower));
            Replication.assertHasAll(follower, "config", writer.acknowledged);
        } finally {
            relay.restore();
        }
    }

    @Test
    @Order(5)
    void tablesCreatedAndDeletedOnTheLeaderFollowOnTheFollower() {
        Replication.createTable(leader, "short-lived");
        Replication.put(leader, "short-lived", "a", "1");
        awaitSame("short-lived", leader, List.of(follower));
        Replication.deleteTable(leader, "short-lived");
        Waits.until("the deleted table to disappear from the follower", Replication.CONVERGE,
                () -> !Replication.tableNames(follower).contains("short-lived"));
        // a new table under the old name is a new table: none of the old data comes back
        Replication.createTable(leader, "short-lived");
        Replication.put(leader, "short-lived", "b", "2");
        awaitSame("short-lived", leader, List.of(follower));
        assertEquals(List.of("b"), List.copyOf(Replication.contents(follower, "short-lived").keySet()));
    }

    @Test
    @Order(6)
    void aSecondFollowerClusterJoinsWhileTheLeaderTakesWrites() throws Exception {
        try (Replication.Writer writer = new Replication.Writer(List.of(leader), "config", "second-")) {
            writer.awaitAtLeast(100);
            ArmadaProcess second = ArmadaProcess.followerCluster(dir.resolve("follower2"), 1, List.of(leader)).getFirst();
            extra.add(second);
            ReplicatorProcess secondReplicator = new ReplicatorProcess(dir.resolve("replicator2"),
                    ReplicatorProcess.quicAddresses(List.of(leader)), List.of(second)).start();
            extra.addFirst(secondReplicator);
            writer.awaitAtLeast(400);
            writer.close();
            awaitSame("config", leader, List.of(follower, second));
            awaitSame("short-lived", leader, List.of(follower, second));
            Replication.assertHasAll(second, "config", writer.acknowledged);
        }
    }

    private static com.google.protobuf.ByteString bs(String s) {
        return com.google.protobuf.ByteString.copyFromUtf8(s);
    }

    private static armada.v1.RangeRequest.Builder all(String table) {
        return armada.v1.RangeRequest.newBuilder().setTable(bs(table)).setKey(bs("\0")).setRangeEnd(bs("\0"));
    }
}
