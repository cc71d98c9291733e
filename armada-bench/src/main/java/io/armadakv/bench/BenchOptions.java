package io.armadakv.bench;

import picocli.CommandLine.Option;

import java.time.Duration;

/** Options every workload shares. */
public class BenchOptions {

    @Option(names = "--address", description = "host:port of the API; several, comma-separated, share the connections (default ${DEFAULT-VALUE})")
    String address = "127.0.0.1:8443";

    @Option(names = "--table", description = "table to use; created when missing (default ${DEFAULT-VALUE})")
    String table = "bench";

    @Option(names = "--clients", description = "concurrent requests in flight (default ${DEFAULT-VALUE})")
    int clients = 32;

    @Option(names = "--connections", description = "gRPC connections the clients share (default ${DEFAULT-VALUE})")
    int connections = 4;

    @Option(names = "--duration", description = "measured run time, e.g. 10s (default ${DEFAULT-VALUE})",
            converter = DurationConverter.class)
    Duration duration = Duration.ofSeconds(10);

    @Option(names = "--warmup", description = "unmeasured run time before, e.g. 3s (default ${DEFAULT-VALUE})",
            converter = DurationConverter.class)
    Duration warmup = Duration.ofSeconds(3);

    @Option(names = "--key-count", description = "distinct keys (default ${DEFAULT-VALUE})")
    int keyCount = 10_000;

    @Option(names = "--key-size", description = "key length in bytes (default ${DEFAULT-VALUE})")
    int keySize = 16;

    @Option(names = "--value-size", description = "value length in bytes (default ${DEFAULT-VALUE})")
    int valueSize = 256;

    @Option(names = "--requests", description = "measure this many requests instead of a duration (default: by duration)")
    long requests;

    @Option(names = "--rate", description = "open loop: send this many requests per second whatever the answers, "
            + "latency counted from when each was due; 0 = closed loop, one request in flight per client (default ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--json", description = "print the result as JSON instead of a table")
    boolean json;

    LoadRunner.Plan plan() {
        return new LoadRunner.Plan(clients, warmup, duration, requests, rate, false);
    }
}
