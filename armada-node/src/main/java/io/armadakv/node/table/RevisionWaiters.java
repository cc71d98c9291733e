package io.armadakv.node.table;

import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/** Calls waiting for a table to reach a revision: a follower answers a forwarded write only then. */
final class RevisionWaiters {

    private record Waiter(long revision, CompletableFuture<Void> done) {
    }

    private final PriorityQueue<Waiter> waiting = new PriorityQueue<>((a, b) -> Long.compare(a.revision, b.revision));
    private final LongSupplier current;

    RevisionWaiters(LongSupplier current) {
        this.current = current;
    }

    CompletableFuture<Void> await(long revision) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (this) {
            waiting.add(new Waiter(revision, done));
        }
        // the revision may have been reached between the caller's check and the registration
        advanced();
        done.whenComplete((ok, error) -> {
            if (error != null) {
                synchronized (this) {
                    waiting.removeIf(w -> w.done == done);
                }
            }
        });
        return done;
    }

    void advanced() {
        long now;
        try {
            now = current.getAsLong();
        } catch (RuntimeException e) {
            return; // the store is being swapped; the next apply advances again
        }
        while (true) {
            Waiter w;
            synchronized (this) {
                w = waiting.peek();
                if (w == null || w.revision > now) {
                    return;
                }
                waiting.poll();
            }
            w.done.complete(null);
        }
    }
}
