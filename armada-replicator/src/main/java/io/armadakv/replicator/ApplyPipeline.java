package io.armadakv.replicator;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;

/**
 * Applies a table's batches in order on a thread of its own, so the next request to the leader
 * travels while the follower applies the previous answer. Bounded, so a slow follower slows
 * the reading instead of filling memory. After a failure it takes nothing more.
 */
final class ApplyPipeline implements AutoCloseable {

    private static final Runnable END = () -> { };

    private final BlockingQueue<Runnable> queue;
    private final Thread thread;
    private volatile RuntimeException failure;

    ApplyPipeline(String name, int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = Thread.ofVirtual().name(name).start(this::run);
    }

    private void run() {
        while (true) {
            Runnable next;
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (next == END) {
                return;
            }
            if (failure == null) {
                try {
                    next.run();
                } catch (RuntimeException e) {
                    failure = e;
                }
            } else if (next instanceof Barrier b) {
                b.run();
            }
        }
    }

    /** Queues an apply; throws the failure of an earlier one instead. */
    void submit(Runnable apply) throws InterruptedException {
        check();
        queue.put(apply);
    }

    void check() {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
    }

    /** Waits until everything queued has been applied; throws the first failure. */
    void drain() throws InterruptedException {
        Barrier barrier = new Barrier();
        queue.put(barrier);
        barrier.done.await();
        check();
    }

    private static final class Barrier implements Runnable {
        final CountDownLatch done = new CountDownLatch(1);

        @Override
        public void run() {
            done.countDown();
        }
    }

    /** Stops after what is queued; waits for it. */
    @Override
    public void close() {
        try {
            queue.put(END);
            thread.join();
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
        }
    }
}
