package io.armadakv.bench.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/** Armada leader-cluster nodes on loopback, started with the project's own launcher. */
public final class ArmadaCluster implements ServerCluster {

    private final List<LocalProcess> nodes;
    private final List<String> apiAddresses;
    private final String description;

    private ArmadaCluster(List<LocalProcess> nodes, List<String> apiAddresses, String description) {
        this.nodes = nodes;
        this.apiAddresses = apiAddresses;
        this.description = description;
    }

    /** The directory holding the {@code armada} launcher: -Darmada.home, else the nearest parent of the cwd. */
    public static Path home() {
        String prop = System.getProperty("armada.home");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("armada")) && Files.isDirectory(p.resolve("armada-node"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the armada launcher: run through ./armada bench or set -Darmada.home");
    }

    public static ArmadaCluster start(Path home, int size, Path dir, FreePorts ports) throws IOException {
        int[] api = new int[size];
        int[] rest = new int[size];
        int[] raft = new int[size];
        StringJoiner members = new StringJoiner(",");
        for (int i = 0; i < size; i++) {
            api[i] = ports.next();
            rest[i] = ports.next();
            raft[i] = ports.next();
            members.add((i + 1) + "=127.0.0.1:" + raft[i]);
        }
        List<LocalProcess> nodes = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                Path data = dir.resolve("n" + (i + 1));
                nodes.add(LocalProcess.start("armada n" + (i + 1), List.of(home.resolve("armada").toString(), "leader",
                        "--raft.node-id=" + (i + 1),
                        "--raft.initial-members=" + members,
                        "--api.address=http://127.0.0.1:" + api[i],
                        "--rest.address=http://127.0.0.1:" + rest[i],
                        "--raft.address=127.0.0.1:" + raft[i],
                        "--raft.node-host-dir=" + data.resolve("raft"),
                        "--raft.state-machine-dir=" + data.resolve("tables"),
                        "--replication.enabled=false"), data.resolve("node.log")));
                addresses.add("127.0.0.1:" + api[i]);
            }
        } catch (IOException | RuntimeException e) {
            nodes.forEach(LocalProcess::close);
            throw e;
        }
        return new ArmadaCluster(nodes, List.copyOf(addresses), "armada " + version(home) + ", " + size
                + " nodes, data in " + dir);
    }

    private static String version(Path home) {
        try {
            ProcessBuilder pb = new ProcessBuilder(home.resolve("armada").toString(), "version").redirectErrorStream(true);
            pb.environment().put("ARMADA_SKIP_BUILD", "1");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return out.replaceFirst("^armada ", "");
        } catch (IOException e) {
            return "(version unknown: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(version unknown)";
        }
    }

    @Override
    public List<LocalProcess> processes() {
        return nodes;
    }

    @Override
    public String system() {
        return "armada";
    }

    @Override
    public String endpoints() {
        return String.join(",", apiAddresses);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        nodes.forEach(LocalProcess::close);
    }
}
