package io.armadakv.bench;

import picocli.CommandLine.Option;

/** The workload-specific options; each workload reads the ones that concern it. */
public class ShapeOptions {

    @Option(names = "--linearizable", description = "range, mixed: linearizable reads instead of serializable")
    boolean linearizable;

    @Option(names = "--prefix", description = "range: read the 100 keys of a random prefix instead of one key")
    boolean prefix;

    @Option(names = "--read-ratio", description = "mixed: share of reads, 0..1 (default ${DEFAULT-VALUE})")
    double readRatio = 0.9;

    @Option(names = "--counters", description = "txn-cas: counter keys the clients race on (default ${DEFAULT-VALUE})")
    int counters = 1000;

    WorkloadOptions options(BenchOptions o) {
        return new WorkloadOptions(o.keyCount, o.keySize, o.valueSize, linearizable, prefix, readRatio, counters);
    }
}
