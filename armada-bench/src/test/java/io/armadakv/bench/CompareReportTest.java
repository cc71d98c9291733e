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
        Histogram h = new Histogram(3);
        for (int i = 0; i < requests; i++) {
            h.recordValue(latencyMicros);
        }
        return new LoadRunner.Result("put", 1, requests, 0, 1.0, h);
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
    void aSideWithNoAnswersIsReported() {
        CompareReport report = new CompareReport();
        report.add("put", "armada", result(10, 1000));
        report.add("put", "etcd", result(0, 1000));
        assertEquals(List.of("put/etcd"), report.silentRuns());
        assertTrue(new CompareReport().silentRuns().isEmpty());
    }
}
