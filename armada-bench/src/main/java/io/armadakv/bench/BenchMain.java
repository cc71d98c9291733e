package io.armadakv.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code armada bench <workload> [options]}: load generator for Armada's and etcd's client APIs. */
@Command(name = "armada bench", mixinStandardHelpOptions = true,
        description = "Drives load against Armada (or etcd) and reports throughput and latency.",
        subcommands = {LagWorkload.class, CatchUpWorkload.class, CompareCommand.class})
public final class BenchMain implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new BenchMain());
        for (String name : Workloads.NAMES) {
            CommandLine sub = new CommandLine(new WorkloadCommand(name));
            sub.getCommandSpec().usageMessage().description(WorkloadCommand.description(name));
            cl.addSubcommand(name, sub);
        }
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
