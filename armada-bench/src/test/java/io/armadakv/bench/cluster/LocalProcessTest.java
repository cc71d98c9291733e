package io.armadakv.bench.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalProcessTest {

    @Test
    void theCpuTimeOfABusyProcessGrowsAndStopsBeingReportedOnceItIsGone(@TempDir Path dir) throws Exception {
        LocalProcess busy = LocalProcess.start("busy", List.of("sh", "-c", "while :; do :; done"), dir.resolve("busy.log"));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long first = busy.cpuNanos();
            assertTrue(first >= 0, "the platform reports a live process's CPU time: " + first);
            while (busy.cpuNanos() < first + TimeUnit.MILLISECONDS.toNanos(100) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(busy.cpuNanos() >= first + TimeUnit.MILLISECONDS.toNanos(100),
                    "a spinning shell used " + busy.cpuNanos() + " ns of CPU in 30 s");
        } finally {
            busy.close();
        }
        assertFalse(busy.alive());
        assertTrue(busy.cpuNanos() < 0, "an ended process has no CPU time to report");
    }
}
