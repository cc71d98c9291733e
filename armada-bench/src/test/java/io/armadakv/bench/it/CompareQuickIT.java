package io.armadakv.bench.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./armada bench compare --quick} as CI runs it: both a 3-node Armada and a 3-member
 * etcd start, answer every workload, and are stopped again. It asserts that both sides
 * answered, never how fast.
 */
class CompareQuickIT {

    @Test
    void bothSystemsAnswerEveryWorkload() throws Exception {
        Path root = Path.of(System.getProperty("armada.root", ".")).toAbsolutePath();
        Path out = Files.createTempFile("compare-quick", ".out");
        Path err = Files.createTempFile("compare-quick", ".err");
        ProcessBuilder pb = new ProcessBuilder(root.resolve("armada").toString(), "bench", "compare", "--quick")
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("ARMADA_SKIP_BUILD", "1");
        Process p = pb.start();
        boolean exited = p.waitFor(10, TimeUnit.MINUTES);
        if (!exited) {
            p.destroyForcibly();
        }
        String report = Files.readString(out);
        String log = Files.readString(err);
        assertTrue(exited, "compare --quick still running after 10 minutes\n" + log);
        assertEquals(0, p.exitValue(), "exit code\n" + report + "\n" + log);
        for (String workload : List.of("put", "range", "range-linearizable", "range-prefix", "txn-cas", "iterate", "mixed")) {
            String row = report.lines().filter(l -> l.startsWith("| " + workload + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for " + workload + "\n" + report));
            String[] cells = row.split("\\|");
            assertTrue(Double.parseDouble(cells[2].strip()) > 0, "armada answered " + workload + ": " + row);
            assertTrue(Double.parseDouble(cells[3].strip()) > 0, "etcd answered " + workload + ": " + row);
            // both sides' server processes were charged CPU for the requests they answered (Linux reports it)
            String[] cpu = cells[8].split("/");
            assertTrue(Double.parseDouble(cpu[0].strip()) > 0, "armada's CPU per request for " + workload + ": " + row);
            assertTrue(Double.parseDouble(cpu[1].strip()) > 0, "etcd's CPU per request for " + workload + ": " + row);
        }
    }
}
