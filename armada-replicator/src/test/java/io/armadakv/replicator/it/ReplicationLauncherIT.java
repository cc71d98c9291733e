package io.armadakv.replicator.it;

import io.armadakv.node.it.ArmadaProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Start-up errors of the replication roles: one clear line, the key named, no half-started process. */
class ReplicationLauncherIT {

    @TempDir
    Path dir;

    private record Run(int exit, String output) {
    }

    private Run run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ArmadaProcess.root().resolve("armada").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("ARMADA_SKIP_BUILD", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out);
    }

    private static void assertOneLine(Run r, int exit, String text) {
        assertEquals(exit, r.exit(), r.output());
        assertEquals(1, r.output().strip().lines().count(), r.output());
        assertTrue(r.output().contains(text), r.output());
    }

    @Test
    void configurationMistakesStopWithOneLine() throws Exception {
        assertOneLine(run("follower"), 2, "replication.leader-api-address");
        assertOneLine(run("replicator", "--replication.leader-adress=127.0.0.1:8444"), 2,
                "unknown configuration key 'replication.leader-adress' (did you mean 'replication.leader-address'?)");
        assertOneLine(run("replicator", "--replication.leader-address=127.0.0.1:8444",
                "--replication.follower-address=http://127.0.0.1:9443"), 2, "replication.insecure-skip-verify=true");
        assertOneLine(run("replicator", "--replication.leader-address=127.0.0.1:8444"), 2,
                "replication.follower-address");
        assertOneLine(run("leader", "--armada.role=follower"), 2, "armada.role is set by the command");
        assertOneLine(run("leader", "--replication.cert-file=" + dir.resolve("missing.pem")), 2,
                "replication.cert-file: cannot read");
    }

    @Test
    void aTakenReplicationPortStopsTheLeaderWithAClearMessage() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Run r = run("leader", "--api.address=http://127.0.0.1:" + ArmadaProcess.freePort(),
                    "--rest.address=http://127.0.0.1:" + ArmadaProcess.freePort(),
                    "--raft.address=127.0.0.1:" + ArmadaProcess.freePort(),
                    "--replication.address=127.0.0.1:" + taken.getLocalPort(),
                    "--raft.node-host-dir=" + dir.resolve("raft"), "--raft.state-machine-dir=" + dir.resolve("tables"));
            assertEquals(1, r.exit(), r.output());
            assertTrue(r.output().contains("replication.address 127.0.0.1:" + taken.getLocalPort()), r.output());
        }
    }
}
