package io.armadakv.bench;

import io.armadakv.bench.cluster.ArmadaCluster;
import io.armadakv.bench.cluster.EtcdBinary;
import io.armadakv.bench.cluster.EtcdCluster;
import io.armadakv.bench.cluster.FreePorts;
import io.armadakv.bench.cluster.ServerCluster;
import io.armadakv.bench.driver.KvDriver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code armada bench compare}: a 3-node Armada leader cluster and a 3-member etcd on loopback,
 * the same workloads against each in turn (the order alternating between rounds, so neither
 * always runs on a warmer machine), medians over the rounds and the Armada/etcd ratio.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Start Armada (3 nodes) and etcd (3 members) on loopback, run the same workloads "
                + "against both, print medians and the Armada/etcd ratio; stops what it started.")
final class CompareCommand implements Callable<Integer> {

    static final List<String> DEFAULT_WORKLOADS =
            List.of("put", "range", "range-linearizable", "range-prefix", "txn-cas", "iterate", "mixed");

    @Option(names = "--quick", description = "smoke run in seconds: 1 round of 2 s, 16 clients, 1,000 keys; "
            + "fails only if a side did not answer")
    boolean quick;

    @Option(names = "--rounds", description = "rounds of every workload on both systems (default ${DEFAULT-VALUE})")
    int rounds = 3;

    @Option(names = "--warmup-rounds", description = "unmeasured rounds of every workload first: on this kind of "
            + "machine the JVM needs minutes of load before its compiled code settles (default ${DEFAULT-VALUE})")
    int warmupRounds = 1;

    @Option(names = "--duration", converter = DurationConverter.class,
            description = "measured time per run (default ${DEFAULT-VALUE})")
    Duration duration = Duration.ofSeconds(20);

    @Option(names = "--warmup", converter = DurationConverter.class,
            description = "unmeasured time before each run (default ${DEFAULT-VALUE})")
    Duration warmup = Duration.ofSeconds(5);

    @Option(names = "--clients", description = "concurrent requests in flight (default ${DEFAULT-VALUE})")
    int clients = 64;

    @Option(names = "--connections", description = "gRPC connections, spread over the members (default ${DEFAULT-VALUE})")
    int connections = 12;

    @Option(names = "--key-count", description = "distinct keys (default ${DEFAULT-VALUE})")
    int keyCount = 10_000;

    @Option(names = "--key-size", description = "key length in bytes (default ${DEFAULT-VALUE})")
    int keySize = 16;

    @Option(names = "--value-size", description = "value length in bytes (default ${DEFAULT-VALUE})")
    int valueSize = 256;

    @Option(names = "--workloads", split = ",", description = "workloads to run (default ${DEFAULT-VALUE})")
    List<String> workloads = new ArrayList<>(DEFAULT_WORKLOADS);

    @Option(names = "--members", description = "members per cluster (default ${DEFAULT-VALUE})")
    int members = 3;

    @Option(names = "--etcd", description = "the etcd binary (default: etcd on PATH or /usr/bin/etcd; "
            + "installed from Debian's etcd-server package when missing and running as root)")
    String etcd;

    @Option(names = "--no-install", description = "never install etcd-server")
    boolean noInstall;

    @Option(names = "--dir", description = "parent of both clusters' data (default: a new directory under the system temp directory, removed afterwards)")
    Path dir;

    @Option(names = "--json", description = "also print every run and the medians as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (quick) {
            rounds = 1;
            warmupRounds = 0;
            duration = Duration.ofSeconds(2);
            warmup = Duration.ofSeconds(1);
            clients = 16;
            connections = 3;
            keyCount = 1000;
        }
        List<CompareSpec> specs = workloads.stream().map(CompareSpec::named).toList();
        Path etcdBinary = EtcdBinary.find(etcd, !noInstall);
        boolean temporary = dir == null;
        Path root = temporary ? Files.createTempDirectory("armada-bench-compare-") : Files.createDirectories(dir);
        FreePorts ports = new FreePorts();
        List<ServerCluster> clusters = new ArrayList<>();
        Thread cleanup = new Thread(() -> clusters.forEach(ServerCluster::close), "bench-compare-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            clusters.add(ArmadaCluster.start(ArmadaCluster.home(), members, root.resolve("armada"), ports));
            clusters.add(EtcdCluster.start(etcdBinary, members, root.resolve("etcd"), ports));
            for (ServerCluster c : clusters) {
                Readiness.await(c, "bench", Duration.ofMinutes(3));
                System.err.println("ready: " + c.describe() + " at " + c.endpoints());
            }
            CompareReport report = run(specs, clusters);
            report.print(System.out, header(clusters));
            if (json) {
                report.printJson(System.out);
            }
            List<String> silent = report.silentRuns();
            if (!silent.isEmpty()) {
                System.err.println("no answers from: " + String.join(", ", silent));
                return 1;
            }
            return 0;
        } finally {
            clusters.forEach(ServerCluster::close);
            Runtime.getRuntime().removeShutdownHook(cleanup);
            if (temporary) {
                Files.walk(root).sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private CompareReport run(List<CompareSpec> specs, List<ServerCluster> clusters) throws InterruptedException {
        CompareReport report = new CompareReport();
        LoadRunner.Plan plan = new LoadRunner.Plan(clients, warmup, duration, 0, 0, true);
        for (int round = -warmupRounds; round < rounds; round++) {
            for (int w = 0; w < specs.size(); w++) {
                CompareSpec spec = specs.get(w);
                List<ServerCluster> order = new ArrayList<>(clusters);
                if (Math.floorMod(round + w, 2) == 1) {
                    order = order.reversed();
                }
                for (ServerCluster c : order) {
                    Workload workload = Workloads.of(spec.workload(), spec.options(keyCount, keySize, valueSize));
                    try (KvDriver d = KvDriver.open(c.system(), c.endpoints(), connections, "bench")) {
                        if (round == -warmupRounds) {
                            workload.prepare(d);
                        }
                        LoadRunner runner = new LoadRunner();
                        LoadRunner.Result r = runner.run(spec.name(), plan, workload.operation(d), c::cpuNanos);
                        if (round >= 0) {
                            report.add(spec.name(), c.system(), r);
                        }
                        System.err.printf("%s %d/%d %-20s %-6s %,10.0f req/s  p99 %8.2f ms  CPU %,7.0f µs/req  %d errors%s%n",
                                round < 0 ? "warm-up round" : "round", round < 0 ? round + warmupRounds + 1 : round + 1,
                                round < 0 ? warmupRounds : rounds, spec.name(), c.system(), r.throughput(),
                                r.latencyMicros().getValueAtPercentile(99) / 1000.0, r.serverCpuMicrosPerRequest(), r.errors(),
                                r.errors() > 0 && runner.lastError() != null ? " (last: " + runner.lastError() + ")" : "");
                    }
                }
            }
        }
        return report;
    }

    private Map<String, String> header(List<ServerCluster> clusters) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + ", Java " + System.getProperty("java.version"));
        for (ServerCluster c : clusters) {
            h.put(c.system(), c.describe());
        }
        h.put("load", clients + " clients, " + connections + " connections, " + keyCount + " keys of " + keySize
                + " B, values of " + valueSize + " B, " + warmupRounds + " unmeasured and " + rounds
                + " measured round(s) of " + duration.toSeconds() + " s after "
                + warmup.toSeconds() + " s warm-up, closed loop");
        return h;
    }

    /** A compare workload name and the workload and shape it stands for. */
    record CompareSpec(String name, String workload, boolean linearizable, boolean prefix) {
        static CompareSpec named(String name) {
            return switch (name) {
                case "put", "txn-cas", "iterate", "mixed" -> new CompareSpec(name, name, false, false);
                case "range" -> new CompareSpec(name, "range", false, false);
                case "range-linearizable" -> new CompareSpec(name, "range", true, false);
                case "range-prefix" -> new CompareSpec(name, "range", false, true);
                default -> throw new IllegalArgumentException("unknown compare workload '" + name + "': one of "
                        + Arrays.toString(DEFAULT_WORKLOADS.toArray()));
            };
        }

        WorkloadOptions options(int keyCount, int keySize, int valueSize) {
            return new WorkloadOptions(keyCount, keySize, valueSize, linearizable, prefix, 0.9, 1000);
        }
    }
}
