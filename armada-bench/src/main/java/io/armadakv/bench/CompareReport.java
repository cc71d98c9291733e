package io.armadakv.bench;

import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The runs of a comparison, and their medians per workload and system side by side. */
final class CompareReport {

    /** @param cpuMicrosPerRequest the servers' CPU time per request, NaN where not measured */
    record Run(String workload, String system, double throughput, long requests, long errors,
               double p50Ms, double p99Ms, double p999Ms, double cpuMicrosPerRequest) {
    }

    private final List<Run> runs = new ArrayList<>();

    void add(String workload, String system, LoadRunner.Result r) {
        Histogram h = r.latencyMicros();
        runs.add(new Run(workload, system, r.throughput(), r.requests(), r.errors(),
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, r.serverCpuMicrosPerRequest()));
    }

    /** workload/system pairs whose every run went unanswered. */
    List<String> silentRuns() {
        Map<String, Long> answered = new LinkedHashMap<>();
        for (Run r : runs) {
            answered.merge(r.workload() + "/" + r.system(), r.requests(), Long::sum);
        }
        return answered.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey).toList();
    }

    private List<String> workloads() {
        return runs.stream().map(Run::workload).distinct().toList();
    }

    private double median(String workload, String system, java.util.function.ToDoubleFunction<Run> f) {
        double[] v = runs.stream().filter(r -> r.workload().equals(workload) && r.system().equals(system))
                .mapToDouble(f).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private long errors(String workload, String system) {
        return runs.stream().filter(r -> r.workload().equals(workload) && r.system().equals(system))
                .mapToLong(Run::errors).sum();
    }

    void print(PrintStream out, Map<String, String> header) {
        header.forEach((k, v) -> out.printf("%s: %s%n", k, v));
        out.println();
        out.printf(Locale.ROOT, "| %-20s | %12s | %12s | %6s | %15s | %15s | %9s | %15s | %7s |%n", "workload",
                "armada req/s", "etcd req/s", "ratio", "armada p50/p99", "etcd p50/p99", "p99 ratio", "CPU µs/req a/e",
                "errors");
        StringBuilder rule = new StringBuilder("|").append("-".repeat(22)).append('|');
        for (int width : new int[] {12, 12, 6, 15, 15, 9, 15, 7}) {
            rule.append("-".repeat(width + 1)).append(":|");
        }
        out.println(rule);
        for (String w : workloads()) {
            double a = median(w, "armada", Run::throughput);
            double e = median(w, "etcd", Run::throughput);
            double a99 = median(w, "armada", Run::p99Ms);
            double e99 = median(w, "etcd", Run::p99Ms);
            out.printf(Locale.ROOT, "| %-20s | %12.0f | %12.0f | %5.2fx | %6.2f / %6.2f | %6.2f / %6.2f | %8.2fx | %6.0f / %6.0f | %3d/%-3d |%n",
                    w, a, e, a / e, median(w, "armada", Run::p50Ms), a99, median(w, "etcd", Run::p50Ms), e99,
                    a99 / e99, median(w, "armada", Run::cpuMicrosPerRequest), median(w, "etcd", Run::cpuMicrosPerRequest),
                    errors(w, "armada"), errors(w, "etcd"));
        }
        out.println();
        out.println("req/s and latencies (ms) are medians over the rounds; ratio = Armada / etcd "
                + "(throughput: higher is better for Armada; p99: lower is better for Armada); errors = armada/etcd, summed.");
        out.println("CPU µs/req: the user and system CPU time of all of a system's server processes over the measured "
                + "time of a run, per request answered (the load generator's own CPU is not counted); medians over "
                + "the rounds, NaN where the platform does not report it.");
    }

    void printJson(PrintStream out) {
        StringBuilder sb = new StringBuilder("{\"runs\":[");
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"workload\":\"%s\",\"system\":\"%s\",\"throughput\":%.1f,\"requests\":%d,\"errors\":%d,"
                            + "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"server_cpu_us_per_request\":%s}",
                    r.workload(), r.system(), r.throughput(), r.requests(), r.errors(), r.p50Ms(), r.p99Ms(), r.p999Ms(),
                    Double.isNaN(r.cpuMicrosPerRequest()) ? "null"
                            : String.format(Locale.ROOT, "%.1f", r.cpuMicrosPerRequest())));
        }
        sb.append("]}");
        out.println(sb);
    }
}
