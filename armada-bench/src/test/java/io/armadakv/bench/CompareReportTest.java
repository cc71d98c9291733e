package io.armadakv.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompareReportTest {

    private static LoadRunner.Result result(long requests, long latencyMicros) {
        return result(requests, latencyMicros, -1);
    }

    private static LoadRunner.Result result(long requests, long latencyMicros, long serverCpuNanos) {
        Histogram h = new Histogram(3);
        for (int i = 0; i < requests; i++) {
            h.recordValue(latencyMicros);
        }
        return new LoadRunner.Result("put", 1, requests, 0, 1.0, h, serverCpuNanos);
    }

    @Test
    void theTableShowsMediansAndTheArmadaToEtcdRatio() {
        CompareReport report = new CompareReport();
        report.add("put", "armada", result(300, 1000));
        report.add("put", "armada", result(100, 3000));
        report.add("put", "armada", result(200, 2000));
        report.add("put", "etcd", result(100, 4000));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        report.print(new PrintStream(out, true, StandardCharsets.UTF_8), Map.of());
        String row = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("| put")).findFirst().orElseThrow();
        List<String> cells = List.of(row.split("\\|")).stream().map(String::strip).toList();
        assertEquals("200", cells.get(2));
        assertEquals("100", cells.get(3));
        assertEquals("2.00x", cells.get(4));
        assertEquals("0.50x", cells.get(7));
    }

    @Test
    void theTableAndTheJsonShowTheServersCpuPerRequest() {
        CompareReport report = new CompareReport();
        report.add("put", "armada", result(1000, 1000, 300_000_000)); // 300 µs per request
        report.add("put", "armada", result(1000, 1000, 100_000_000)); // 100
        report.add("put", "armada", result(1000, 1000, 200_000_000)); // 200: the median
        report.add("put", "etcd", result(2000, 1000, 500_000_000)); // 250
        report.add("put", "etcd", result(2000, 1000, -1)); // not measured: left out of the median
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        report.print(print, Map.of());
        report.printJson(print);
        String text = out.toString(StandardCharsets.UTF_8);
        String row = text.lines().filter(l -> l.startsWith("| put")).findFirst().orElseThrow();
        List<String> cells = List.of(row.split("\\|")).stream().map(String::strip).toList();
        assertEquals("200 /    250", cells.get(8));
        assertTrue(text.contains("\"server_cpu_us_per_request\":300.0"), text);
        assertTrue(text.contains("\"server_cpu_us_per_request\":null"), text);
    }

    @Test
    void aSideWithNoAnswersIsReported() {
        CompareReport report = new CompareReport();
        report.add("put", "armada", result(10, 1000));
        report.add("put", "etcd", result(0, 1000));
        assertEquals(List.of("put/etcd"), report.silentRuns());
        assertTrue(new CompareReport().silentRuns().isEmpty());
    }
}
