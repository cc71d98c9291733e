package io.armadakv.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadRunnerTest {

    @Test
    void aRequestCountEndsTheMeasuredPhaseLongBeforeTheDuration() throws Exception {
        ScheduledExecutorService server = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger answered = new AtomicInteger();
        try {
            LoadRunner.Result r = new LoadRunner().run("echo",
                    new LoadRunner.Plan(4, Duration.ZERO, Duration.ofMinutes(5), 2_000, 0, true),
                    (c, random, ok, failed) -> server.execute(() -> {
                        answered.incrementAndGet();
                        ok.run();
                    }));
            assertTrue(r.requests() >= 2_000, "measured " + r.requests());
            assertTrue(r.requests() <= answered.get(), r.requests() + " measured of " + answered.get() + " answered");
            assertTrue(r.seconds() < 60, "ended by the count, not the 5 min duration: " + r.seconds() + " s");
            assertEquals(0, r.errors());
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void theServersCpuIsReadAsTheMeasuredPhaseStartsAndEnds() throws Exception {
        // a fake server that spends 1 µs of "CPU" per answer, and answers during the warm-up as well
        ScheduledExecutorService server = Executors.newSingleThreadScheduledExecutor();
        AtomicLong answered = new AtomicLong();
        List<Long> readings = new CopyOnWriteArrayList<>();
        try {
            LoadRunner.Result r = new LoadRunner().run("cpu",
                    new LoadRunner.Plan(4, Duration.ofMillis(300), Duration.ofMinutes(5), 2_000, 0, true),
                    (c, random, ok, failed) -> server.execute(() -> {
                        answered.incrementAndGet();
                        ok.run();
                    }),
                    () -> {
                        long cpu = answered.get() * 1000;
                        readings.add(cpu);
                        return cpu;
                    });
            assertEquals(2, readings.size(), "read once as measuring starts and once as it ends");
            assertTrue(readings.getFirst() > 0, "the first reading comes after the warm-up's answers");
            assertEquals(readings.get(1) - readings.getFirst(), r.serverCpuNanos());
            double perRequest = r.serverCpuMicrosPerRequest();
            assertTrue(perRequest >= 0.9 && perRequest <= 1.5, perRequest + " µs per request, expected about 1");
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void withoutACpuClockTheServersCpuIsUnknown() throws Exception {
        ScheduledExecutorService server = Executors.newSingleThreadScheduledExecutor();
        try {
            LoadRunner.Result r = new LoadRunner().run("no cpu",
                    new LoadRunner.Plan(2, Duration.ZERO, Duration.ofMinutes(5), 100, 0, true),
                    (c, random, ok, failed) -> server.execute(ok));
            assertEquals(-1, r.serverCpuNanos());
            assertTrue(Double.isNaN(r.serverCpuMicrosPerRequest()));
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void errorsAreCountedNotRecordedAsLatency() throws Exception {
        AtomicInteger n = new AtomicInteger();
        ScheduledExecutorService server = Executors.newSingleThreadScheduledExecutor();
        try {
            LoadRunner.Result r = new LoadRunner().run("half fail",
                    new LoadRunner.Plan(2, Duration.ZERO, Duration.ofMinutes(5), 1_000, 0, true),
                    (c, random, ok, failed) -> server.execute(() -> {
                        if (n.incrementAndGet() % 2 == 0) {
                            failed.accept(new IllegalStateException("refused"));
                        } else {
                            ok.run();
                        }
                    }));
            assertTrue(r.errors() > 0);
            // every other answer failed: the failures are counted as errors, and never as latencies
            assertTrue(Math.abs(r.errors() - r.requests()) <= 2, r.errors() + " errors, " + r.requests() + " requests");
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void theOpenLoopNeverHasMoreThanClientsInFlightAndCountsLatencyFromTheDueTime() throws Exception {
        // a server that answers nothing until released: the pacer must stop at 3 outstanding requests
        ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger sentWhileHeld = new AtomicInteger(-1);
        ScheduledExecutorService releaser = Executors.newSingleThreadScheduledExecutor();
        try {
            releaser.schedule(() -> {
                sentWhileHeld.set(sent.get());
                Runnable r;
                while ((r = held.poll()) != null) {
                    r.run();
                }
            }, 300, TimeUnit.MILLISECONDS);
            releaser.scheduleAtFixedRate(() -> {
                Runnable r;
                while ((r = held.poll()) != null) {
                    r.run();
                }
            }, 400, 1, TimeUnit.MILLISECONDS);
            LoadRunner.Result r = new LoadRunner().run("held",
                    new LoadRunner.Plan(3, Duration.ZERO, Duration.ofMinutes(5), 3, 1000, true),
                    (c, random, ok, failed) -> {
                        sent.incrementAndGet();
                        held.add(ok);
                    });
            assertEquals(3, sentWhileHeld.get(), "requests sent while the server held all answers");
            // the first three were due at once and answered after ~300 ms: the latency shows the stall
            assertTrue(r.latencyMicros().getMaxValue() >= 250_000, "max " + r.latencyMicros().getMaxValue() + " us");
        } finally {
            releaser.shutdownNow();
        }
    }
}
