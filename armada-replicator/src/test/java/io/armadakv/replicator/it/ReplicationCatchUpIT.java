package io.armadakv.replicator.it;

import io.armadakv.node.it.ArmadaProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A follower that starts far behind a leader whose log still holds everything catches up from
 * the log: most of it from closed segments, which the leader keeps off the heap and serves from
 * their files.
 */
class ReplicationCatchUpIT {

    /** Small entries and segments, and no purge, so that the writes below fill many closed segments. */
    private static final String[] SMALL_SEGMENTS = {"--raft.snapshot-entries=1000000",
            "--raft.log-retained-entries=1000000", "--raft.max-batch-bytes=16384", "--api.max-value-size=16384",
            "--raft.log-segment-size=262144"};

    @TempDir
    Path dir;

    @Test
    void aFollowerFarBehindReadsTheLeadersClosedSegments() throws Exception {
        ArmadaProcess leader = ArmadaProcess.cluster(dir.resolve("leader"), 1, SMALL_SEGMENTS).getFirst();
        try (leader) {
            Replication.createTable(leader, "ref");
            Replication.putMany(leader, "ref", 1500, 900, "y".repeat(2000));
            assertTrue(closedSegments(dir.resolve("leader")) >= 8, "the writes span many closed segments");

            ArmadaProcess follower = ArmadaProcess.followerCluster(dir.resolve("follower"), 1, List.of(leader))
                    .getFirst();
            try (follower; ReplicatorProcess replicator = new ReplicatorProcess(dir.resolve("replicator"),
                    ReplicatorProcess.quicAddresses(List.of(leader)), List.of(follower)).start()) {
                Replication.awaitSame("ref", leader, List.of(follower));
                assertFalse(replicator.logText().contains("loaded a snapshot"), replicator.logText());
                assertEquals(Replication.contents(leader, "ref"), Replication.contents(follower, "ref"));
                assertEquals(Replication.status(leader, "ref").getLeaderIndex(),
                        Replication.status(follower, "ref").getLeaderIndex());
            }
        }
    }

    private static long closedSegments(Path node) throws Exception {
        try (Stream<Path> files = Files.walk(node)) {
            return files.filter(p -> p.getFileName().toString().matches("log_\\d+-\\d+")).count();
        }
    }
}
