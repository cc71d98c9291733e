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
 * its CA, and a follower whose apply path wants a token: a replicator with both replicates, one
 * without the certificate is refused by the leader, one without the token by the follower.
 */
class ReplicationTlsIT {

    private static final String FOLLOWER_TOKEN = "rt-5d2e8b";

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
            ArmadaProcess follower = ArmadaProcess.followerCluster(dir.resolve("follower"), 1, List.of(leader),
                    "--replication.token=" + FOLLOWER_TOKEN).getFirst();
            String address = "localhost:" + leader.replicationPort(); // the name in the leader's certificate
            try (follower;
                 ReplicatorProcess anonymous = new ReplicatorProcess(dir.resolve("anonymous"), List.of(address),
                         List.of(follower), "--replication.insecure-skip-verify=false",
                         "--replication.ca-file=" + pki.caPem()).start();
                 ReplicatorProcess trusted = new ReplicatorProcess(dir.resolve("trusted"), List.of(address),
                         List.of(follower), "--replication.insecure-skip-verify=false",
                         "--replication.ca-file=" + pki.caPem(), "--replication.cert-file=" + pki.clientCertPem(),
                         "--replication.key-file=" + pki.clientKeyPem(), "--replication.token=" + FOLLOWER_TOKEN).start();
                 ReplicatorProcess tokenless = new ReplicatorProcess(dir.resolve("tokenless"), List.of(address),
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
                // the follower's apply path wants its token: a replicator without it changes nothing there
                Waits.until("the replicator without the follower's token to be refused", Replication.CONVERGE,
                        () -> tokenless.logText().contains("Request unauthenticated with bearer"));
                assertFalse(tokenless.logText().contains("replicating (lease held"), tokenless.logText());
                assertFalse(trusted.logText().contains(FOLLOWER_TOKEN), "the token leaked into the log");
            }
        }
    }
}
