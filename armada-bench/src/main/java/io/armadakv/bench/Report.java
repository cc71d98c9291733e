package io.armadakv.bench;

import org.HdrHistogram.Histogram;

import java.util.Locale;

/** Prints a run's result as a table row or as JSON. */
final class Report {

    private Report() {
    }

    static void print(LoadRunner.Result r, boolean json) {
        Histogram h = r.latencyMicros();
        if (json) {
            System.out.printf(Locale.ROOT,
                    "{\"workload\":\"%s\",\"clients\":%d,\"requests\":%d,\"errors\":%d,\"seconds\":%.3f,"
                            + "\"throughput\":%.1f,\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
                            + "\"p999\":%.3f,\"max\":%.3f}}%n",
                    r.workload(), r.clients(), r.requests(), r.errors(), r.seconds(), r.throughput(),
                    ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9), h.getMaxValue() / 1000.0);
            return;
        }
        System.out.printf(Locale.ROOT, "%-22s %8s %10s %7s %12s %9s %9s %9s %9s %9s%n",
                "workload", "clients", "requests", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
        System.out.printf(Locale.ROOT, "%-22s %8d %10d %7d %12.1f %9.3f %9.3f %9.3f %9.3f %9.3f%n",
                r.workload(), r.clients(), r.requests(), r.errors(), r.throughput(),
                ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9), h.getMaxValue() / 1000.0);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }
}
