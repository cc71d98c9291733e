package io.armadakv.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Runs one workload's operation under load and records the latency of every measured request
 * in an HdrHistogram. Closed loop (no rate): each client keeps one request in flight. Open loop
 * (a rate): requests are due at fixed intervals whatever the answers, at most {@code clients}
 * in flight, and latency counts from when a request was due, so a stalled server shows in the
 * percentiles instead of slowing the load down (no coordinated omission).
 */
final class LoadRunner {

    /** Sends one request; calls exactly one of the two callbacks when it is answered. */
    interface Operation {
        void send(int client, ThreadLocalRandom random, Runnable onSuccess, Consumer<Throwable> onError);
    }

    /** How long or how much to run: {@code requests} > 0 ends the measured phase by count. */
    record Plan(int clients, Duration warmup, Duration duration, long requests, double rate, boolean quiet) {
    }

    /**
     * @param serverCpuNanos CPU time the servers' processes used over the measured phase, or -1
     *                       where it was not measured
     */
    record Result(String workload, int clients, long requests, long errors, double seconds, Histogram latencyMicros,
                  long serverCpuNanos) {
        double throughput() {
            return seconds == 0 ? 0 : requests / seconds;
        }

        /** The servers' CPU time per measured request in microseconds, or NaN where unknown. */
        double serverCpuMicrosPerRequest() {
            return serverCpuNanos < 0 || requests == 0 ? Double.NaN : serverCpuNanos / 1000.0 / requests;
        }
    }

    /** Reads the CPU time the servers under load have used so far, in nanoseconds; -1 when it cannot. */
    interface CpuClock {
        CpuClock NONE = () -> -1;

        long cpuNanos();
    }

    private final Recorder recorder = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicBoolean measuring = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile Throwable lastError;

    Result run(String workload, Plan plan, Operation op) throws InterruptedException {
        return run(workload, plan, op, CpuClock.NONE);
    }

    /** As {@link #run(String, Plan, Operation)}, also reading {@code serverCpu} as the measured phase starts and ends. */
    Result run(String workload, Plan plan, Operation op, CpuClock serverCpu) throws InterruptedException {
        CountDownLatch stopped;
        Thread pacer = null;
        Semaphore slots = new Semaphore(plan.clients());
        if (plan.rate() > 0) {
            stopped = new CountDownLatch(1);
            pacer = Thread.ofPlatform().name("bench-pacer").start(() -> pace(plan, op, slots, stopped));
        } else {
            stopped = new CountDownLatch(plan.clients());
            for (int c = 0; c < plan.clients(); c++) {
                loop(c, op, stopped);
            }
        }
        progress("warm-up", plan.warmup(), 0, plan.quiet());
        long errors0 = errors.get();
        recorder.reset();
        completed.set(0);
        long cpu0 = serverCpu.cpuNanos();
        measuring.set(true);
        long start = System.nanoTime();
        progress("measuring", plan.requests() > 0 ? Duration.ofDays(1) : plan.duration(), plan.requests(), plan.quiet());
        measuring.set(false);
        long cpu1 = serverCpu.cpuNanos();
        // the measured count is the histogram's: a separate counter read a moment apart disagreed with it
        Histogram h = recorder.getIntervalHistogram();
        long measured = h.getTotalCount();
        long measuredErrors = errors.get() - errors0;
        double seconds = (System.nanoTime() - start) / 1e9;
        running.set(false);
        if (pacer != null) {
            pacer.join();
        }
        stopped.await(30, TimeUnit.SECONDS);
        if (plan.rate() > 0) {
            slots.tryAcquire(plan.clients(), 30, TimeUnit.SECONDS); // the last answers arrive
        }
        if (measuredErrors > 0 && lastError != null && !plan.quiet()) {
            System.err.println("last error: " + lastError);
        }
        long cpu = cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0;
        return new Result(workload, plan.clients(), measured, measuredErrors, seconds, h, cpu);
    }

    Throwable lastError() {
        return lastError;
    }

    private void progress(String phase, Duration d, long requests, boolean quiet) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        long last = completed.get();
        long lastAt = System.nanoTime();
        while (System.nanoTime() < end && (requests <= 0 || completed.get() < requests)) {
            long sleep = Math.min(requests > 0 ? 20 : 1000, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()));
            if (sleep > 0) {
                Thread.sleep(sleep);
            }
            long now = System.nanoTime();
            if (!quiet && now - lastAt >= 1_000_000_000L) {
                long done = completed.get();
                System.err.printf("%s: %,d req/s, %,d errors%n", phase, (done - last) * 1_000_000_000L / (now - lastAt),
                        errors.get());
                last = done;
                lastAt = now;
            }
        }
    }

    private void pace(Plan plan, Operation op, Semaphore slots, CountDownLatch stopped) {
        long interval = (long) (1e9 / plan.rate());
        long due = System.nanoTime();
        int client = 0;
        try {
            while (running.get()) {
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                    continue;
                }
                slots.acquire();
                long intended = due;
                op.send(client++ % plan.clients(), ThreadLocalRandom.current(), () -> {
                    record(intended);
                    slots.release();
                }, error -> {
                    failed(error);
                    slots.release();
                });
                due += interval;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopped.countDown();
        }
    }

    private void loop(int client, Operation op, CountDownLatch stopped) {
        if (!running.get()) {
            stopped.countDown();
            return;
        }
        long t0 = System.nanoTime();
        op.send(client, ThreadLocalRandom.current(), () -> {
            record(t0);
            loop(client, op, stopped);
        }, error -> {
            failed(error);
            loop(client, op, stopped);
        });
    }

    private void record(long startNanos) {
        if (measuring.get()) {
            recorder.recordValue(Math.max(1, (System.nanoTime() - startNanos) / 1000));
            completed.incrementAndGet(); // progress and the request-count stop only
        }
    }

    private void failed(Throwable error) {
        if (measuring.get()) {
            errors.incrementAndGet();
        }
        lastError = error;
    }
}
