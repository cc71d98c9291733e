package io.armadakv.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code armada bench <workload> [options]}: load generator for Armada's client API. */
@Command(name = "armada bench", mixinStandardHelpOptions = true,
        description = "Drives load against an Armada node's gRPC API and reports throughput and latency.",
        subcommands = {PutWorkload.class, RangeWorkload.class, LagWorkload.class, CatchUpWorkload.class})
public final class BenchMain implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new BenchMain()).execute(args);
        System.exit(code);
    }
}
