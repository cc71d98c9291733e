package io.armadakv.replicator.it;

import io.armadakv.node.it.ArmadaProcess;
import io.armadakv.node.it.Waits;
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
                Replication.awaitCaughtUp("ref", followers, writer.acknowledged);

                leaders.getFirst().kill9(); // the first address of both replicators
                writer.awaitAtLeast(500);
                // the replicator that holds the table's lease dies: the other must take over
                ReplicatorProcess holder = leaseHolder(replicators);
                ReplicatorProcess other = replicators.get(1 - replicators.indexOf(holder));
                holder.kill9();
                Waits.until("the other replicator to take the table over", Replication.CONVERGE,
                        () -> leaseHeld(other));
                writer.awaitAtLeast(800);
                leaders.getFirst().launch();
                holder.start();
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

    private static boolean leaseHeld(ReplicatorProcess r) {
        return io.armadakv.node.metrics.PrometheusText.parse(r.metrics())
                .find("armada_replicator_lease_held", java.util.Map.of("table", "ref"))
                .map(s -> s.value() == 1).orElse(false);
    }

    /** The replicator whose metrics say it holds the lease of table ref; exactly one does. */
    private static ReplicatorProcess leaseHolder(List<ReplicatorProcess> replicators) {
        ReplicatorProcess[] holder = new ReplicatorProcess[1];
        Waits.until("one replicator to hold the lease", Replication.CONVERGE, () -> {
            List<ReplicatorProcess> holding = replicators.stream().filter(ReplicationClusterIT::leaseHeld).toList();
            holder[0] = holding.size() == 1 ? holding.getFirst() : null;
            return holder[0] != null;
        });
        return holder[0];
    }

    private static List<ArmadaProcess> concat(List<ArmadaProcess> a, List<ArmadaProcess> b) {
        List<ArmadaProcess> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
