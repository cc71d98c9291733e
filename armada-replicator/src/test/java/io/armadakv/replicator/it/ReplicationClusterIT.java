package io.armadakv.replicator.it;

import io.armadakv.node.it.ArmadaProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Three leader nodes, three follower nodes and two replicators: kill -9 of the leader node the
 * replicators read from, and of a replicator, while the leader cluster takes writes.
 */
class ReplicationClusterIT {

    @TempDir
    Path dir;

    @Test
    void survivesLosingTheLeaderNodeItReadsFromAndAReplicator() throws Exception {
        List<ArmadaProcess> leaders = ArmadaProcess.cluster(dir.resolve("leader"), 3);
        List<ArmadaProcess> followers = ArmadaProcess.followerCluster(dir.resolve("follower"), 3, leaders);
        List<ReplicatorProcess> replicators = new ArrayList<>();
        try {
            Replication.createTable(leaders.getFirst(), "ref");
            for (int i = 0; i < 2; i++) {
                replicators.add(new ReplicatorProcess(dir.resolve("replicator" + i),
                        ReplicatorProcess.quicAddresses(leaders), followers, "--replication.lease-ttl=3000",
                        "--replication.replicator-id=r" + i).start());
            }
            try (Replication.Writer writer = new Replication.Writer(leaders, "ref", "w-")) {
                writer.awaitAtLeast(200);
                Replication.awaitSame("ref", leaders.get(1), followers);

                leaders.getFirst().kill9(); // the first address of both replicators
                writer.awaitAtLeast(500);
                replicators.getFirst().kill9();
                writer.awaitAtLeast(800);
                leaders.getFirst().launch();
                replicators.getFirst().start();
                writer.awaitAtLeast(1000);
                writer.close();

                Replication.awaitSame("ref", leaders.get(1), concat(leaders, followers));
                for (ArmadaProcess f : followers) {
                    Replication.assertHasAll(f, "ref", writer.acknowledged);
                }
            }
        } finally {
            replicators.forEach(ReplicatorProcess::close);
            followers.forEach(ArmadaProcess::close);
            leaders.forEach(ArmadaProcess::close);
        }
    }

    private static List<ArmadaProcess> concat(List<ArmadaProcess> a, List<ArmadaProcess> b) {
        List<ArmadaProcess> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
