package io.armadakv.node.it;

import armada.v1.ClusterGrpc;
import armada.v1.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code ./armada leader} process started through the built launcher, on free loopback
 * ports, with its own data directory. Its PID is the JVM's (the launcher execs), so
 * {@link #kill9()} is a real SIGKILL of the node.
 */
public final class ArmadaProcess implements AutoCloseable {

    private final Path dataDir;
    private final List<String> extraFlags;
    private final int apiPort;
    private final int restPort;
    private final int raftPort;
    private final int replicationPort;
    private final String role;
    private final Path log;
    // null: the API is plaintext
    private final ApiTls apiTls;
    private Process process;
    private ManagedChannel channel;

    private ArmadaProcess(Path dataDir, ApiTls apiTls, List<String> extraFlags) {
        this("leader", dataDir, apiTls, extraFlags, freePort(), freePort(), freePort());
    }

    private ArmadaProcess(String role, Path dataDir, ApiTls apiTls, List<String> extraFlags, int apiPort,
                          int restPort, int raftPort) {
        this.role = role;
        this.apiTls = apiTls;
        this.replicationPort = freePort();
        this.dataDir = dataDir;
        this.extraFlags = extraFlags;
        this.apiPort = apiPort;
        this.restPort = restPort;
        this.raftPort = raftPort;
        this.log = dataDir.resolve("node.log");
    }

    /**
     * A leader cluster of {@code size} processes on loopback: all are started before any is
     * waited for, since a node needs a majority before its tables come up.
     */
    public static List<ArmadaProcess> cluster(Path dir, int size, String... extraFlags) {
        return cluster("leader", dir, size, null, extraFlags);
    }

    /** A leader cluster whose API is https://: the flags name its certificate files, {@code apiTls} the tests' side. */
    public static List<ArmadaProcess> cluster(Path dir, int size, ApiTls apiTls, String... extraFlags) {
        return cluster("leader", dir, size, apiTls, extraFlags);
    }

    /** A follower cluster whose client writes go to {@code leaders}' API. */
    public static List<ArmadaProcess> followerCluster(Path dir, int size, List<ArmadaProcess> leaders,
                                                      String... extraFlags) {
        return followerCluster(dir, size, leaders, null, extraFlags);
    }

    /** A follower cluster whose own API is https:// when {@code apiTls} is not null. */
    public static List<ArmadaProcess> followerCluster(Path dir, int size, List<ArmadaProcess> leaders, ApiTls apiTls,
                                                      String... extraFlags) {
        List<String> flags = new ArrayList<>(List.of(extraFlags));
        flags.add("--replication.leader-api-address=" + String.join(",",
                leaders.stream().map(ArmadaProcess::apiUrl).toList()));
        return cluster("follower", dir, size, apiTls, flags.toArray(String[]::new));
    }

    private static List<ArmadaProcess> cluster(String role, Path dir, int size, ApiTls apiTls, String... extraFlags) {
        List<Integer> raftPorts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            raftPorts.add(freePort());
        }
        StringBuilder members = new StringBuilder();
        for (int i = 0; i < size; i++) {
            members.append(i == 0 ? "" : ",").append(i + 1).append("=127.0.0.1:").append(raftPorts.get(i));
        }
        List<ArmadaProcess> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            List<String> flags = new ArrayList<>(List.of("--raft.node-id=" + (i + 1),
                    "--raft.initial-members=" + members, "--raft.election-timeout=500"));
            flags.addAll(List.of(extraFlags));
            nodes.add(new ArmadaProcess(role, dir.resolve("n" + (i + 1)), apiTls, flags, freePort(), freePort(),
                    raftPorts.get(i)));
        }
        nodes.forEach(ArmadaProcess::spawn);
        nodes.forEach(n -> n.awaitReady(Duration.ofSeconds(90)));
        return nodes;
    }

    public static ArmadaProcess start(Path dataDir, String... extraFlags) {
        return start(dataDir, null, extraFlags);
    }

    /** A node whose API is https:// when {@code apiTls} is not null; the flags name its certificate files. */
    public static ArmadaProcess start(Path dataDir, ApiTls apiTls, String... extraFlags) {
        ArmadaProcess p = new ArmadaProcess(dataDir, apiTls, List.of(extraFlags));
        p.launch();
        return p;
    }

    public static Path root() {
        String root = System.getProperty("armada.root");
        if (root == null) {
            Path p = Path.of("").toAbsolutePath();
            while (p != null && !Files.exists(p.resolve("armada"))) {
                p = p.getParent();
            }
            if (p == null) {
                throw new IllegalStateException("cannot find the project root (no ./armada above " + Path.of("").toAbsolutePath() + ")");
            }
            return p;
        }
        return Path.of(root);
    }

    public List<String> command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(root().resolve("armada").toString());
        cmd.add(role);
        cmd.add("--api.address=" + (apiTls == null ? "http" : "https") + "://127.0.0.1:" + apiPort);
        cmd.add("--rest.address=http://127.0.0.1:" + restPort);
        cmd.add("--raft.address=127.0.0.1:" + raftPort);
        cmd.add("--raft.node-host-dir=" + dataDir.resolve("raft"));
        cmd.add("--raft.state-machine-dir=" + dataDir.resolve("tables"));
        if (role.equals("leader")) {
            cmd.add("--replication.address=127.0.0.1:" + replicationPort);
        }
        cmd.addAll(extraFlags);
        return cmd;
    }

    /** Starts (or restarts) the process and waits until its API answers. */
    public void launch() {
        spawn();
        awaitReady(Duration.ofSeconds(90));
    }

    private void spawn() {
        try {
            Files.createDirectories(dataDir);
            ProcessBuilder pb = new ProcessBuilder(command())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().put("ARMADA_SKIP_BUILD", "1");
            // C1 only: these processes are checked for behaviour, not speed, and C2's compile threads
            // compete with three loaded JVMs for two cores (an idle node answered in 2.6 s instead of 4-5.5)
            pb.environment().put("ARMADA_JAVA_OPTS", "-Xmx512m -XX:TieredStopAtLevel=1");
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        StatusRuntimeException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("armada exited with " + process.exitValue() + "; log:\n" + logTail());
            }
            try {
                ClusterGrpc.newBlockingStub(channel()).withDeadlineAfter(1, TimeUnit.SECONDS)
                        .status(StatusRequest.getDefaultInstance());
                return;
            } catch (StatusRuntimeException e) {
                last = e;
            }
            Waits.pause();
        }
        throw new IllegalStateException("armada did not answer within " + timeout + " (" + last + "); log:\n" + logTail());
    }

    public synchronized ManagedChannel channel() {
        if (channel == null) {
            channel = apiTls == null ? NettyChannelBuilder.forAddress("127.0.0.1", apiPort).usePlaintext()
                    .maxInboundMessageSize(64 << 20).build() : apiTls.channel(apiPort);
        }
        return channel;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hooks, no flush. */
    public void kill9() {
        process.destroyForcibly();
        waitFor();
    }

    /** SIGTERM and wait for a clean exit. */
    public void stop() {
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

    public int apiPort() {
        return apiPort;
    }

    /** The URL clients use: https://localhost:port for TLS, the name in the test certificates. */
    public String apiUrl() {
        return apiTls == null ? "http://127.0.0.1:" + apiPort : "https://localhost:" + apiPort;
    }

    /** The UDP port of the replication endpoint (leader role). */
    public int replicationPort() {
        return replicationPort;
    }

    public int raftPort() {
        return raftPort;
    }

    public int restPort() {
        return restPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** GET of {@code path} on the node's REST port (Prometheus' text format for /metrics); fails unless 200. */
    public String restGet(String path) {
        return httpGet(restPort, path);
    }

    /** GET of {@code path} on a loopback HTTP port, asking for plain text; fails unless 200. */
    public static String httpGet(int port, String path) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Accept", "text/plain").build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(path + " on port " + port + ": HTTP " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Everything the node has logged so far. */
    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (isAlive()) {
            stop();
        }
    }

    /** A loopback port outside the ephemeral range, free for TCP and UDP (see {@link LoopbackPorts}). */
    public static int freePort() {
        return LoopbackPorts.next();
    }
}
