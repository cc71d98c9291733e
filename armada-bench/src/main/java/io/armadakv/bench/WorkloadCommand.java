package io.armadakv.bench;

import io.armadakv.bench.driver.KvDriver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code armada bench <workload>}: one workload against one system, Armada or etcd. */
@Command(mixinStandardHelpOptions = true)
final class WorkloadCommand implements Callable<Integer> {

    private final String workload;

    @Mixin
    BenchOptions options;

    @Mixin
    ShapeOptions shape;

    @Option(names = "--driver", description = "the API to drive: armada (regatta.v1) or etcd (etcd v3) (default ${DEFAULT-VALUE})")
    String driver = "armada";

    WorkloadCommand(String workload) {
        this.workload = workload;
    }

    static String description(String workload) {
        return switch (workload) {
            case "put" -> "Put fixed-size values to random keys";
            case "range" -> "Read random keys: point or prefix (--prefix), serializable or --linearizable";
            case "txn-cas" -> "Compare-and-swap increments of random counter keys (--counters), one Txn each";
            case "iterate" -> "Read the whole key space (--key-count keys), streamed by IterateRange on Armada";
            case "mixed" -> "Point reads and puts of random keys, --read-ratio of them reads";
            default -> throw new IllegalArgumentException(workload);
        };
    }

    @Override
    public Integer call() throws Exception {
        Workload w = Workloads.of(workload, shape.options(options));
        try (KvDriver d = KvDriver.open(driver, options.address, options.connections, options.table)) {
            w.prepare(d);
            LoadRunner.Result r = new LoadRunner().run(d.system() + " " + w.name(), options.plan(), w.operation(d));
            Report.print(r, options.json);
            return r.errors() == 0 ? 0 : 1;
        }
    }
}
