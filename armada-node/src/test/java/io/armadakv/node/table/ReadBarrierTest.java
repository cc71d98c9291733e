package io.armadakv.node.table;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadBarrierTest {

    /** ReadIndex rounds the test finishes by hand, in order. */
    private final List<CompletableFuture<Void>> rounds = new ArrayList<>();
    private final ReadBarrier barrier = new ReadBarrier(this::startRound, Runnable::run);

    private synchronized CompletableFuture<Void> startRound() {
        CompletableFuture<Void> r = new CompletableFuture<>();
        rounds.add(r);
        return r;
    }

    private synchronized int roundsStarted() {
        return rounds.size();
    }

    private synchronized CompletableFuture<Void> round(int i) {
        return rounds.get(i);
    }

    @Test
    void aReadAloneStartsARoundAtOnce() {
        CompletableFuture<Void> read = barrier.await();
        assertEquals(1, roundsStarted());
        assertFalse(read.isDone());
        round(0).complete(null);
        assertTrue(read.isDone());
    }

    @Test
    void readsArrivingDuringARoundWaitForTheNextOneAndShareIt() {
        CompletableFuture<Void> first = barrier.await();
        List<CompletableFuture<Void>> later = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            later.add(barrier.await());
        }
        assertEquals(1, roundsStarted(), "no second round while one is in flight");

        round(0).complete(null);
        assertTrue(first.isDone());
        // the round in flight may have fixed its index before those reads arrived: they must not finish with it
        assertTrue(later.stream().noneMatch(CompletableFuture::isDone));
        assertEquals(2, roundsStarted(), "one round for all fifty");

        round(1).complete(null);
        assertTrue(later.stream().allMatch(f -> f.isDone() && !f.isCompletedExceptionally()));
        assertEquals(2, roundsStarted(), "idle again: nothing left to start a round for");
    }

    @Test
    void aFailedRoundFailsOnlyItsOwnReadsAndTheNextRoundStillRuns() {
        CompletableFuture<Void> first = barrier.await();
        CompletableFuture<Void> second = barrier.await();
        IllegalStateException noLeader = new IllegalStateException("table t has no leader");
        round(0).completeExceptionally(noLeader);
        CompletionException e = assertThrows(CompletionException.class, first::join);
        assertSame(noLeader, e.getCause());
        assertFalse(second.isDone());
        round(1).complete(null);
        second.join();
    }

    @Test
    void aRoundThatThrowsWhenStartedFailsItsReadsAndLeavesTheBarrierUsable() {
        AtomicLong calls = new AtomicLong();
        ReadBarrier throwing = new ReadBarrier(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("group not running here");
            }
            return CompletableFuture.completedFuture(null);
        }, Runnable::run);
        assertThrows(CompletionException.class, () -> throwing.await().join());
        throwing.await().join();
        assertEquals(2, calls.get());
    }

    @Test
    void theNextRoundNeverStartsOnTheThreadThatFinishedTheLastOne() throws Exception {
        // Ratis finishes a ReadIndex round while holding the lock a new round's submission needs, and
        // that submission waits on another of its threads: a round started inline would deadlock
        Object ratisLock = new Object();
        List<CompletableFuture<Void>> started = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService submitter = Executors.newSingleThreadExecutor();
        ExecutorService readers = Executors.newFixedThreadPool(2);
        try {
            ReadBarrier ratisLike = new ReadBarrier(() -> CompletableFuture.supplyAsync(() -> {
                synchronized (ratisLock) {
                    CompletableFuture<Void> r = new CompletableFuture<>();
                    started.add(r);
                    return r;
                }
            }, submitter).join(), readers);
            CompletableFuture<Void> first = ratisLike.await();
            CompletableFuture<Void> second = ratisLike.await();
            CompletableFuture.runAsync(() -> {
                synchronized (ratisLock) {
                    started.getFirst().complete(null);
                }
            }).get(10, TimeUnit.SECONDS);
            first.get(10, TimeUnit.SECONDS);
            io.armadakv.node.it.Waits.until("the second round", java.time.Duration.ofSeconds(10), () -> started.size() == 2);
            assertFalse(second.isDone());
            started.get(1).complete(null);
            second.get(10, TimeUnit.SECONDS);
        } finally {
            submitter.shutdownNow();
            readers.shutdownNow();
        }
    }

    @Test
    void aClosedReaderPoolFailsTheReadsInsteadOfLosingThem() {
        ExecutorService readers = Executors.newSingleThreadExecutor();
        readers.shutdown();
        CompletableFuture<Void> r = new CompletableFuture<>();
        ReadBarrier closed = new ReadBarrier(() -> r, readers);
        CompletableFuture<Void> read = closed.await();
        r.complete(null);
        CompletionException e = assertThrows(CompletionException.class, read::join);
        assertTrue(e.getCause() instanceof TableUnavailableException, e.toString());
    }

    @Test
    void underConcurrentReadsEveryReadFinishesAndRoundsStayFewerThanReads() throws Exception {
        AtomicLong roundCount = new AtomicLong();
        ExecutorService raft = Executors.newSingleThreadExecutor();
        ExecutorService readers = Executors.newFixedThreadPool(4);
        try {
            ReadBarrier shared = new ReadBarrier(() -> {
                roundCount.incrementAndGet();
                return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS, raft));
            }, readers);
            List<CompletableFuture<Void>> reads = new ArrayList<>();
            List<CompletableFuture<Void>> callers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                callers.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 500; i++) {
                        CompletableFuture<Void> f = shared.await();
                        synchronized (reads) {
                            reads.add(f);
                        }
                        if (i % 50 == 0) {
                            f.join();
                        }
                    }
                }));
            }
            callers.forEach(CompletableFuture::join);
            List<CompletableFuture<Void>> all;
            synchronized (reads) {
                all = new ArrayList<>(reads);
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertEquals(4000, all.size());
            assertTrue(roundCount.get() < all.size(), roundCount.get() + " rounds for " + all.size() + " reads");
        } finally {
            raft.shutdownNow();
            readers.shutdownNow();
        }
    }
}
