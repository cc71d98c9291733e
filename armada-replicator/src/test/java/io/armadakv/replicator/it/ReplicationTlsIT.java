package io.armadakv.replicator.it;

import io.armadakv.node.it.ApiTls;
import io.armadakv.node.it.ArmadaProcess;
import io.armadakv.node.it.Waits;
import io.armadakv.node.replication.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every link under TLS: a leader whose API wants client certificates of its CA and whose QUIC
 * endpoint requires replicators to prove one, a follower with an https:// API that forwards
 * writes to the leader's with its own client certificate, and replicators that talk to the
 * follower over TLS. A replicator with certificate and token replicates, one without the
 * certificate is refused by the leader, one without the token by the follower; and when the
 * leader's replication certificate is replaced, replication goes on after the listener restarts.
 */
class ReplicationTlsIT {

    private static final String FOLLOWER_TOKEN = "rt-5d2e8b";

    @TempDir
    Path dir;

    @Test
    void everyLinkUnderTlsReplicatesForwardsAndSurvivesACertificateChange() throws Exception {
        TestPki pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
        TestPki renewedPki = TestPki.create(Files.createDirectories(dir.resolve("renewed-pki")));
        Path bothCas = dir.resolve("both-cas.pem");
        Files.writeString(bothCas, Files.readString(pki.caPem()) + Files.readString(renewedPki.caPem()));
        Path replicatorCa = Files.copy(pki.caPem(), dir.resolve("replicator-ca.pem"));
        Path quicCert = Files.copy(pki.serverChainPem(), dir.resolve("quic-cert.pem"));
        Path quicKey = Files.copy(pki.serverKeyPem(), dir.resolve("quic-key.pem"));
        String[] serverTls = {"--api.cert-filename=" + pki.serverChainPem(), "--api.key-filename=" + pki.serverKeyPem()};

        ArmadaProcess leader = ArmadaProcess.cluster(dir.resolve("leader"), 1,
                new ApiTls(pki.caPem(), pki.clientCertPem(), pki.clientKeyPem()), serverTls[0], serverTls[1],
                "--api.client-cert-auth=true", "--api.ca-filename=" + pki.caPem(),
                "--replication.cert-file=" + quicCert, "--replication.key-file=" + quicKey,
                "--replication.ca-file=" + pki.caPem()).getFirst();
        try (leader) {
            ArmadaProcess follower = ArmadaProcess.followerCluster(dir.resolve("follower"), 1, List.of(leader),
                    ApiTls.trusting(pki.caPem()), serverTls[0], serverTls[1],
                    "--replication.leader-ca-file=" + pki.caPem(), "--replication.leader-cert-file=" + pki.clientCertPem(),
                    "--replication.leader-key-file=" + pki.clientKeyPem(),
                    "--replication.token=" + FOLLOWER_TOKEN).getFirst();
            String address = "localhost:" + leader.replicationPort(); // the name in the leader's certificate
            String followerCa = "--replication.follower-ca-file=" + pki.caPem();
            try (follower;
                 ReplicatorProcess anonymous = new ReplicatorProcess(dir.resolve("anonymous"), List.of(address),
                         List.of(follower), "--replication.insecure-skip-verify=false", followerCa,
                         "--replication.ca-file=" + pki.caPem()).start();
                 ReplicatorProcess trusted = new ReplicatorProcess(dir.resolve("trusted"), List.of(address),
                         List.of(follower), "--replication.insecure-skip-verify=false", followerCa,
                         "--replication.ca-file=" + replicatorCa, "--replication.cert-file=" + pki.clientCertPem(),
                         "--replication.key-file=" + pki.clientKeyPem(), "--replication.token=" + FOLLOWER_TOKEN).start();
                 ReplicatorProcess tokenless = new ReplicatorProcess(dir.resolve("tokenless"), List.of(address),
                         List.of(follower), "--replication.insecure-skip-verify=false", followerCa,
                         "--replication.ca-file=" + pki.caPem(), "--replication.cert-file=" + pki.clientCertPem(),
                         "--replication.key-file=" + pki.clientKeyPem()).start()) {
                Replication.createTable(leader, "secret");
                for (int i = 0; i < 20; i++) {
                    Replication.put(leader, "secret", "k" + i, "v" + i);
                }
                Replication.awaitSame("secret", leader, List.of(follower));
                assertEquals(Replication.contents(leader, "secret"), Replication.contents(follower, "secret"));

                // a write sent to the follower goes to the leader's https:// API with the follower's certificate
                long revision = Replication.put(follower, "secret", "via-follower", "f").getHeader().getRevision();
                assertEquals("f", Replication.get(leader, "secret", "via-follower").getKvs(0).getValue().toStringUtf8());
                assertEquals(revision, Replication.get(follower, "secret", "via-follower").getKvs(0).getModRevision());

                Waits.until("the anonymous replicator to be refused", Replication.CONVERGE,
                        () -> anonymous.logText().contains("requires a client certificate"));
                assertFalse(anonymous.logText().contains("replicating (lease held"), anonymous.logText());
                // the follower's apply path wants its token: a replicator without it changes nothing there
                Waits.until("the replicator without the follower's token to be refused", Replication.CONVERGE,
                        () -> tokenless.logText().contains("Request unauthenticated with bearer"));
                assertFalse(tokenless.logText().contains("replicating (lease held"), tokenless.logText());

                // a new replication certificate from another CA: the replicator first learns to trust it
                // (re-reading its CA file), then the leader's listener restarts and the replicator reconnects
                replace(replicatorCa, bothCas);
                Waits.until("the replicator to reload its CA file", Replication.CONVERGE,
                        () -> trusted.logText().contains("replication.leader-address client certificates reloaded"));
                replace(quicKey, renewedPki.serverKeyPem());
                replace(quicCert, renewedPki.serverChainPem());
                Waits.until("the leader to restart its replication endpoint", Replication.CONVERGE,
                        () -> leader.logTail().contains("replication.address certificates reloaded"));
                for (int i = 20; i < 30; i++) {
                    Replication.put(leader, "secret", "k" + i, "v" + i);
                }
                Replication.awaitSame("secret", leader, List.of(follower));
                assertEquals(Replication.contents(leader, "secret"), Replication.contents(follower, "secret"));
                assertTrue(trusted.isAlive());
                assertFalse(trusted.logText().contains(FOLLOWER_TOKEN), "the token leaked into the log");
            }
        }
    }

    private static void replace(Path target, Path source) throws java.io.IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
