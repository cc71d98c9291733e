package io.armadakv.node.table;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Lets the linearizable reads of one table on this node share ReadIndex rounds, as etcd's
 * linearizable read loop does. A read waits for the first round that starts after it arrived (a
 * round already in flight may have fixed its index before the read's write was committed), so
 * at most one round is in flight and every read that arrives meanwhile rides on the next one.
 */
final class ReadBarrier {

    private final Supplier<CompletableFuture<Void>> round;
    private final Executor readers;
    private boolean inFlight;
    private List<CompletableFuture<Void>> waiting = new ArrayList<>();

    /**
     * @param round   one ReadIndex round: completes once this node has applied what the group had
     *                committed when the round began
     * @param readers where the reads of a finished round go on, so they run in parallel and not on
     *                the Raft thread that finished the round
     */
    ReadBarrier(Supplier<CompletableFuture<Void>> round, Executor readers) {
        this.round = round;
        this.readers = readers;
    }

    /** Completes once a ReadIndex round that began after this call has finished on this node. */
    CompletableFuture<Void> await() {
        CompletableFuture<Void> read = new CompletableFuture<>();
        boolean start;
        synchronized (this) {
            waiting.add(read);
            start = !inFlight;
            inFlight = true;
        }
        if (start) {
            startRound();
        }
        return read;
    }

    private void startRound() {
        List<CompletableFuture<Void>> riders;
        synchronized (this) {
            riders = waiting;
            waiting = new ArrayList<>();
        }
        CompletableFuture<Void> r;
        try {
            r = round.get();
        } catch (RuntimeException e) {
            r = CompletableFuture.failedFuture(e);
        }
        // Ratis finishes a round while it holds its own locks (the leader's heartbeat listeners): the next
        // round, and the reads, must not start on that thread, or the next ReadIndex waits for that lock
        r.whenComplete((ignored, error) -> {
            try {
                readers.execute(() -> finishRound(riders, error));
            } catch (RejectedExecutionException e) {
                shutDown(riders);
            }
        });
    }

    /** On a reader thread: the next round goes out first, so its round trip overlaps these reads. */
    private void finishRound(List<CompletableFuture<Void>> riders, Throwable error) {
        boolean again;
        synchronized (this) {
            again = !waiting.isEmpty();
            inFlight = again;
        }
        if (again) {
            startRound();
        }
        for (int i = 0; i < riders.size(); i++) {
            CompletableFuture<Void> read = riders.get(i);
            Runnable done = error == null ? () -> read.complete(null) : () -> read.completeExceptionally(error);
            if (i == riders.size() - 1) {
                done.run();
            } else {
                try {
                    readers.execute(done); // the reads of one round run in parallel
                } catch (RejectedExecutionException e) {
                    done.run();
                }
            }
        }
    }

    /** The reader pool is gone (the node is closing): fail this round's reads and every waiting one. */
    private void shutDown(List<CompletableFuture<Void>> riders) {
        List<CompletableFuture<Void>> all = new ArrayList<>(riders);
        synchronized (this) {
            all.addAll(waiting);
            waiting = new ArrayList<>();
            inFlight = false;
        }
        TableUnavailableException closing = new TableUnavailableException("the node is shutting down", null);
        all.forEach(read -> read.completeExceptionally(closing));
    }
}
