package io.armadakv.node.api;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fails a request's future with a {@link TimeoutException} when its deadline passes. Every write
 * and linearizable read gets one, so it must be cheap: {@code CompletableFuture.orTimeout} on
 * JDK 25 wakes the common pool's delay scheduler thread for each timeout set and each one
 * cancelled, a thread switch per request on a machine where those dominate. A scheduled
 * executor wakes its thread only when a new deadline is the earliest it holds, which deadlines
 * of the same length never are.
 */
final class Timeouts {

    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private Timeouts() {
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("armada-request-timeouts").factory());
        // a request that completes takes its deadline out, so the queue holds only the pending ones
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    /** {@code future}, failed with a TimeoutException if it is not done within {@code millis}. */
    static <T> CompletableFuture<T> within(CompletableFuture<T> future, long millis) {
        if (future.isDone()) {
            return future;
        }
        ScheduledFuture<?> timeout = TIMER.schedule(() -> future.completeExceptionally(new TimeoutException()),
                millis, TimeUnit.MILLISECONDS);
        future.whenComplete((r, e) -> timeout.cancel(false));
        return future;
    }

    /** Deadlines still waiting. */
    static int pending() {
        return TIMER.getQueue().size();
    }
}
