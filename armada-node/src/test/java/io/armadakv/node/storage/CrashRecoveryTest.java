package io.armadakv.node.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Invariant 1: a child JVM applying durable entries is killed with SIGKILL at a random moment;
 * the reopened store must be exactly the state after some entry N, no earlier than the last
 * entry the child reported committed, and the next run resumes at N + 1.
 */
class CrashRecoveryTest {

    private static final int CYCLES = 5;

    /**
     * Without durable writes a commit still reaches the OS before apply returns, so a process
     * kill (unlike a power loss) loses nothing either: the node relies on that and syncs the
     * store before it lets Ratis purge its log.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "durable writes: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void killedWriterLeavesAWholeEntryPrefix(boolean durable, @TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("crash");
        Path stderr = tmp.resolve("child.err");
        Random random = new Random();
        long resumedFrom = 0;
        try (TableStore reference = TableStore.open(tmp.resolve("reference"), new StoreOptions("reference", false))) {
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                long target = resumedFrom + 5 + random.nextInt(60);
                long reported = runAndKill(dir, stderr, target, durable);
                assertTrue(reported >= target, "child reported " + reported);
                long n;
                try (TableStore store = TableStore.open(dir, new StoreOptions("crash", false))) {
                    n = store.appliedIndex();
                    assertTrue(n >= reported, "applied index " + n + " lost entries the child reported committed (" + reported + ")");
                    for (long i = reference.appliedIndex() + 1; i <= n; i++) {
                        CrashEntries.apply(reference, i);
                    }
                    assertEquals(reference.contentHash(), store.contentHash(), "state after entry " + n);
                    assertEquals(reference.revision(), store.revision());
                    assertEquals(reference.appliedTerm(), store.appliedTerm());
                    assertEquals(reference.leaderIndex(), store.leaderIndex());
                    assertEquals(reference.compactedRevision(), store.compactedRevision());
                }
                resumedFrom = n;
            }
        }
    }

    /** Starts the child, waits until it reports entry {@code target}, kills it; returns the last reported index. */
    private static long runAndKill(Path dir, Path stderr, long target, boolean durable) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(List.of(java, "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(), dir.toString(), Boolean.toString(durable)))
                .redirectError(stderr.toFile())
                .start();
        AtomicLong reported = new AtomicLong(-1);
        Object progress = new Object();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("applied ")) {
                        reported.set(Long.parseLong(line.substring(8)));
                        synchronized (progress) {
                            progress.notifyAll();
                        }
                    }
                }
            } catch (Exception ignored) {
                // the stream ends when the child is killed
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        synchronized (progress) {
            while (reported.get() < target && child.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)))));
            }
        }
        long seen = reported.get();
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
        reader.join(TimeUnit.SECONDS.toMillis(10));
        if (seen < target) {
            fail("child reached only entry " + seen + " (exit " + child.exitValue() + "): " + Files.readString(stderr));
        }
        return seen;
    }
}
