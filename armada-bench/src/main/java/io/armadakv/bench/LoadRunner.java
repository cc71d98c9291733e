package io.armadakv.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop load: each client keeps exactly one request in flight and sends the next as soon
 * as the previous one answers. Latency of every measured request goes into an HdrHistogram.
 */
final class LoadRunner {

    /** Sends one request for a client; calls {@code done} with whether it succeeded. */
    interface Operation {
        void send(int client, ThreadLocalRandom random, Runnable onSuccess, java.util.function.Consumer<Throwable> onError);
    }

    record Result(String workload, int clients, long requests, long errors, double seconds, Histogram latencyMicros) {
        double throughput() {
            return requests / seconds;
        }
    }

    private final Recorder recorder = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicBoolean measuring = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile Throwable lastError;

    Result run(String workload, int clients, Duration warmup, Duration duration, Operation op) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(clients);
        for (int c = 0; c < clients; c++) {
            loop(c, op, stopped);
        }
        progress("warm-up", warmup);
        measuring.set(true);
        long measuredErrors0 = errors.get();
        recorder.reset();
        completed.set(0);
        long start = System.nanoTime();
        progress("measuring", duration);
        Histogram h = recorder.getIntervalHistogram();
        long measuredCompleted = completed.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        long measuredErrors = errors.get() - measuredErrors0;
        measuring.set(false);
        running.set(false);
        stopped.await(30, TimeUnit.SECONDS);
        if (measuredErrors > 0 && lastError != null) {
            System.err.println("last error: " + lastError);
        }
        return new Result(workload, clients, measuredCompleted, measuredErrors, seconds, h);
    }

    private void progress(String phase, Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        long last = completed.get();
        while (System.nanoTime() < end) {
            long sleep = Math.min(1000, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()));
            if (sleep > 0) {
                Thread.sleep(sleep);
            }
            long now = completed.get();
            System.err.printf("%s: %,d req/s, %,d errors%n", phase, (now - last) * 1000 / Math.max(1, sleep), errors.get());
            last = now;
        }
    }

    private void loop(int client, Operation op, CountDownLatch stopped) {
        if (!running.get()) {
            stopped.countDown();
            return;
        }
        long t0 = System.nanoTime();
        op.send(client, ThreadLocalRandom.current(), () -> {
            if (measuring.get()) {
                recorder.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                completed.incrementAndGet();
            }
            loop(client, op, stopped);
        }, error -> {
            errors.incrementAndGet();
            lastError = error;
            loop(client, op, stopped);
        });
    }
}
