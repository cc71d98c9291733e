package io.armadakv.replicator.it;

import io.armadakv.node.it.ArmadaProcess;
import io.armadakv.node.it.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A follower that starts after the leader purged its log catches up through a snapshot. */
class ReplicationSnapshotIT {

    /** Small entries and segments so that a few thousand writes purge the start of the log. */
    private static final String[] SMALL_LOG = {"--raft.snapshot-entries=100", "--raft.log-retained-entries=0",
            "--raft.max-batch-bytes=16384", "--api.max-value-size=16384", "--raft.log-segment-size=262144",
            "--storage.compaction-interval=1000", "--storage.compaction-retention=500"};

    @TempDir
    Path dir;

    @Test
    void aFollowerBehindThePurgedLogLoadsASnapshotThenFollowsTheLog() throws Exception {
        ArmadaProcess leader = ArmadaProcess.cluster(dir.resolve("leader"), 1, SMALL_LOG).getFirst();
        try (leader) {
            Replication.createTable(leader, "ref");
            Replication.putMany(leader, "ref", 1500, 700, "x".repeat(2000));
            Replication.kv(leader.channel()).deleteRange(armada.v1.DeleteRangeRequest.newBuilder()
                    .setTable(com.google.protobuf.ByteString.copyFromUtf8("ref"))
                    .setKey(com.google.protobuf.ByteString.copyFromUtf8("key-0"))
                    .setRangeEnd(com.google.protobuf.ByteString.copyFromUtf8("key-1")).build());
            Waits.until("the leader to purge the start of its log", Replication.CONVERGE,
                    () -> Replication.status(leader, "ref").getLogEntries() < 1500);

            ArmadaProcess follower = ArmadaProcess.followerCluster(dir.resolve("follower"), 1, List.of(leader))
                    .getFirst();
            try (follower; ReplicatorProcess replicator = new ReplicatorProcess(dir.resolve("replicator"),
                    ReplicatorProcess.quicAddresses(List.of(leader)), List.of(follower)).start()) {
                Replication.awaitSame("ref", leader, List.of(follower));
                assertTrue(replicator.logText().contains("loaded a snapshot"), replicator.logText());
                assertEquals(Replication.contents(leader, "ref"), Replication.contents(follower, "ref"));
                assertEquals(Replication.status(leader, "ref").getLeaderIndex(),
                        Replication.status(follower, "ref").getLeaderIndex());

                // after the snapshot the log takes over
                try (Replication.Writer writer = new Replication.Writer(List.of(leader), "ref", "after-")) {
                    writer.awaitAtLeast(200);
                    writer.close();
                    Replication.awaitSame("ref", leader, List.of(follower));
                    Replication.assertHasAll(follower, "ref", writer.acknowledged);
                }
            }
        }
    }
}
