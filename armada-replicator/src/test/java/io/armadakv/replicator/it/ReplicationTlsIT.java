package io.armadakv.replicator.it;

import io.armadakv.node.it.ArmadaProcess;
import io.armadakv.node.it.Waits;
import io.armadakv.node.replication.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A leader with its own certificate that requires replicators to prove a client certificate of
 * its CA: a replicator with one replicates, a replicator without one is refused.
 */
class ReplicationTlsIT {

    @TempDir
    Path dir;

    @Test
    void onlyAReplicatorWithACertificateOfTheLeadersCaReplicates() throws Exception {
        Path pkiDir = Files.createDirectories(dir.resolve("pki"));
        TestPki pki = TestPki.create(pkiDir);
        ArmadaProcess leader = ArmadaProcess.cluster(dir.resolve("leader"), 1,
                "--replication.cert-file=" + pki.serverChainPem(), "--replication.key-file=" + pki.serverKeyPem(),
                "--replication.ca-file=" + pki.caPem()).getFirst();
        try (leader) {
            ArmadaProcess follower = ArmadaProcess.followerCluster(dir.resolve("follower"), 1, List.of(leader)).getFirst();
            String address = "localhost:" + leader.replicationPort(); // the name in the leader's certificate
            try (follower;
                 ReplicatorProcess anonymous = new ReplicatorProcess(dir.resolve("anonymous"), List.of(address),
                         List.of(follower), "--replication.insecure-skip-verify=false",
                         "--replication.ca-file=" + pki.caPem()).start();
                 ReplicatorProcess trusted = new ReplicatorProcess(dir.resolve("trusted"), List.of(address),
                         List.of(follower), "--replication.insecure-skip-verify=false",
                         "--replication.ca-file=" + pki.caPem(), "--replication.cert-file=" + pki.clientCertPem(),
                         "--replication.key-file=" + pki.clientKeyPem()).start()) {
                Replication.createTable(leader, "secret");
                for (int i = 0; i < 20; i++) {
                    Replication.put(leader, "secret", "k" + i, "v" + i);
                }
                Replication.awaitSame("secret", leader, List.of(follower));
                assertEquals(Replication.contents(leader, "secret"), Replication.contents(follower, "secret"));
                Waits.until("the anonymous replicator to be refused", Replication.CONVERGE,
                        () -> anonymous.logText().contains("requires a client certificate"));
                assertFalse(anonymous.logText().contains("replicating (lease held"), anonymous.logText());
            }
        }
    }
}
