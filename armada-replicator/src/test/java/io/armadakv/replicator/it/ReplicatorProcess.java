package io.armadakv.replicator.it;

import io.armadakv.node.it.ArmadaProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One {@code ./armada replicator} process, started through the built launcher. */
final class ReplicatorProcess implements AutoCloseable {

    private final Path dir;
    private final List<String> flags;
    private final Path log;
    private final int restPort = ArmadaProcess.freePort();
    private Process process;

    ReplicatorProcess(Path dir, List<String> leaderAddresses, List<ArmadaProcess> followers, String... extra) {
        this.dir = dir;
        this.log = dir.resolve("replicator.log");
        this.flags = new ArrayList<>(List.of(
                "--replication.leader-address=" + String.join(",", leaderAddresses),
                "--replication.follower-address=" + String.join(",", followers.stream().map(ArmadaProcess::apiUrl).toList()),
                "--replication.insecure-skip-verify=true",
                "--replication.reconcile-interval=500",
                "--rest.address=http://127.0.0.1:" + restPort));
        this.flags.addAll(List.of(extra));
    }

    /** The leader nodes' QUIC addresses. */
    static List<String> quicAddresses(List<ArmadaProcess> leaders) {
        return leaders.stream().map(l -> "127.0.0.1:" + l.replicationPort()).toList();
    }

    ReplicatorProcess start() {
        try {
            Files.createDirectories(dir);
            List<String> cmd = new ArrayList<>();
            cmd.add(ArmadaProcess.root().resolve("armada").toString());
            cmd.add("replicator");
            cmd.addAll(flags);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().put("ARMADA_SKIP_BUILD", "1");
            pb.environment().put("ARMADA_JAVA_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1"); // C1 only, as ArmadaProcess
            process = pb.start();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body of GET /metrics on the replicator's HTTP port. */
    String metrics() {
        return ArmadaProcess.httpGet(restPort, "/metrics");
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    void kill9() {
        process.destroyForcibly();
        waitFor();
    }

    void stop() {
        process.destroy();
        waitFor();
    }

    private void waitFor() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (isAlive()) {
            stop();
        }
    }
}
