package io.armadakv.node.table;

import mvcc.v1.Mvcc.Command;
import mvcc.v1.Mvcc.CommandResult;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Packs the writes that queue up while batches are out into the next batch, so the rate of
 * writes is not bounded by the rate of Raft entries. When idle a write goes out at once, alone:
 * nobody waits for a batch to fill. A {@link Sink} takes each batch: on the group leader it
 * becomes one Raft entry, elsewhere it is relayed to the leader, whose batcher packs it with its
 * own writes. Fewer entries in flight means fuller entries under load, and every entry costs a
 * Raft round on each node.
 * Under load the leader also holds an entry back for a moment (the proposal hold) until as many
 * writes wait as the previous entry carried: the clients answered by one entry send their next
 * writes within about a round trip, and relayed ones a little later, so without the hold entries
 * alternate between a full one and whatever arrived first, and every entry costs a round.
 * The queue is bounded by count and bytes: an overloaded table refuses a write at once
 * ({@link WritesOverloadedException}) instead of letting memory grow with the backlog.
 */
final class ProposalBatcher {

    private record Pending(Command command, int size, CompletableFuture<CommandResult> result) {
    }

    /** What became of one write of a batch: its result, or why it failed. */
    record Outcome(CommandResult result, RuntimeException error) {
        static Outcome of(CommandResult result) {
            return new Outcome(result, null);
        }

        static Outcome failed(RuntimeException error) {
            return new Outcome(null, error);
        }
    }

    /** Where the batches go. */
    interface Sink {
        /** Completes with one outcome per command, in order, or exceptionally when the whole batch failed. */
        CompletableFuture<List<Outcome>> deliver(List<Command> batch);

        /** How many batches may be out at once, as things stand now. */
        int window();

        /** Whether a batch becomes a Raft entry here, which the proposal hold applies to; relays go at once. */
        default boolean proposesEntries() {
            return true;
        }
    }

    /** Hears what the batcher does, for metrics: each write's time to its reply, and each batch's size. */
    interface Listener {
        Listener NONE = (nanos, ok) -> {
        };

        void completed(long nanos, boolean ok);

        /** A batch of {@code writes} went to the sink. */
        default void batched(int writes) {
        }
    }

    /**
     * How many writes, and how many bytes of them, may wait for a batch; the config keys are
     * named in the refusal.
     */
    record Admission(int maxPendingWrites, long maxPendingBytes, String writesKey, String bytesKey) {
        static final Admission UNLIMITED = new Admission(Integer.MAX_VALUE, Long.MAX_VALUE, "", "");
    }

    private final String table;
    private final int maxEntryBytes;
    private final Sink sink;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Admission admission;
    /** Writes and bytes submitted but not yet taken into a batch. */
    private final AtomicInteger pendingWrites = new AtomicInteger();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final Listener listener;
    private final Executor elsewhere;
    private final long holdNanos;
    /** The writes of the last batch taken: the hold waits for as many. */
    private volatile int lastBatchWrites;
    /** A hold in force: proposals wait for {@link #lastBatchWrites} writes or until its time. */
    private record Hold(long until, ScheduledFuture<?> timer) {
    }

    /** Set and cleared under the lock, so that a hold in force always has its timer; read without it. */
    private volatile Hold hold;
    /** Set while this thread hands a batch to the sink, which may answer at once, on this thread. */
    private static final ThreadLocal<Boolean> DELIVERING = ThreadLocal.withInitial(() -> false);

    /**
     * @param sink      takes the batches; its answers are handled on the thread that completes
     *                  them, so a sink whose answers come on a thread that must not wait (Ratis'
     *                  apply thread) hands them to another one first
     * @param elsewhere handles an answer the sink gives at once, while the batch is being handed
     *                  over: answering there would take the next batch inside the taking of this one
     */
    ProposalBatcher(String table, int maxEntryBytes, Sink sink, Executor elsewhere, Listener listener,
                    Admission admission) {
        this(table, maxEntryBytes, sink, elsewhere, listener, admission, 0);
    }

    /**
     * @param holdNanos how long, at most, an entry waits after the previous one completed for as
     *                  many writes as that one carried; 0 proposes whatever waits at once
     */
    ProposalBatcher(String table, int maxEntryBytes, Sink sink, Executor elsewhere, Listener listener,
                    Admission admission, long holdNanos) {
        this.holdNanos = holdNanos;
        this.table = table;
        this.maxEntryBytes = maxEntryBytes;
        this.sink = sink;
        this.elsewhere = elsewhere;
        this.listener = listener;
        this.admission = admission;
    }

    /**
     * The sink of a node that proposes every batch as a Raft entry of its own: the commands in
     * one SEQUENCE command (a lone command as itself), each result read back from the reply on
     * {@code replies}.
     */
    static Sink raft(String table, int window, Function<ByteString, CompletableFuture<RaftClientReply>> proposer,
                     Executor replies) {
        return new Sink() {
            @Override
            public CompletableFuture<List<Outcome>> deliver(List<Command> batch) {
                return proposeEntry(table, batch, proposer, replies);
            }

            @Override
            public int window() {
                return window;
            }
        };
    }

    /**
     * Proposes the batch as one entry; the reply is read on {@code replies}: Ratis completes a
     * proposal on the apply thread, which must go back to applying instead of answering clients.
     */
    static CompletableFuture<List<Outcome>> proposeEntry(String table, List<Command> batch,
                                                         Function<ByteString, CompletableFuture<RaftClientReply>> proposer,
                                                         Executor replies) {
        Command entry;
        if (batch.size() == 1) {
            entry = batch.getFirst();
        } else {
            entry = Command.newBuilder().setType(Command.CommandType.SEQUENCE).addAllSequence(batch).build();
        }
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = proposer.apply(UnsafeByteOperations.unsafeWrap(entry.toByteArray()));
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        return reply.handleAsync((r, error) -> {
            if (error == null && r != null && !r.isSuccess()) {
                error = r.getException();
            }
            if (error != null) {
                throw RaftErrors.map(table, error);
            }
            return outcomes(table, r, batch.size());
        }, replies);
    }

    private static List<Outcome> outcomes(String table, RaftClientReply reply, int writes) {
        List<Outcome> out = new ArrayList<>(writes);
        for (CommandResult r : EntryResults.read(table, reply, writes)) {
            out.add(Outcome.of(r));
        }
        return out;
    }

    CompletableFuture<CommandResult> submit(Command command) {
        CompletableFuture<CommandResult> result = enqueue(command);
        proposeNext();
        return result;
    }

    /** Queues several writes before any of them goes out, so that they travel together. */
    List<CompletableFuture<CommandResult>> submitAll(List<Command> commands) {
        List<CompletableFuture<CommandResult>> results = new ArrayList<>(commands.size());
        for (Command c : commands) {
            results.add(enqueue(c));
        }
        proposeNext();
        return results;
    }

    private CompletableFuture<CommandResult> enqueue(Command command) {
        int size = command.getSerializedSize();
        RuntimeException refused = admit(size);
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        long submitted = System.nanoTime();
        result.whenComplete((r, error) -> listener.completed(System.nanoTime() - submitted, error == null));
        queue.add(new Pending(command, size, result));
        return result;
    }

    /** Reserves room for a write in the queue, or says why there is none. A write alone always fits. */
    private RuntimeException admit(int size) {
        int writes = pendingWrites.incrementAndGet();
        long bytes = pendingBytes.addAndGet(size);
        if (writes == 1) {
            return null;
        }
        if (writes > admission.maxPendingWrites()) {
            release(size);
            return new WritesOverloadedException("table " + table + " is overloaded: " + (writes - 1)
                    + " writes wait for a Raft proposal on this node, the limit is " + admission.maxPendingWrites()
                    + " (" + admission.writesKey() + "); retry later");
        }
        if (bytes > admission.maxPendingBytes()) {
            release(size);
            return new WritesOverloadedException("table " + table + " is overloaded: " + (bytes - size)
                    + " bytes of writes wait for a Raft proposal on this node, a write of " + size
                    + " bytes would exceed the limit of " + admission.maxPendingBytes() + " bytes ("
                    + admission.bytesKey() + "); retry later");
        }
        return null;
    }

    private void release(int size) {
        pendingWrites.decrementAndGet();
        pendingBytes.addAndGet(-size);
    }

    /** Writes waiting for a batch right now. */
    int pendingWrites() {
        return pendingWrites.get();
    }

    private void proposeNext() {
        if (holding()) {
            return; // the hold's timer or the write that fills the batch proposes
        }
        while (!queue.isEmpty()) {
            int n = inFlight.get();
            int window = sink.window();
            if (n >= window || !inFlight.compareAndSet(n, n + 1)) {
                if (n >= window) {
                    return; // a completing batch calls proposeNext again
                }
                continue;
            }
            if (!takeAndDeliver()) {
                inFlight.decrementAndGet();
            }
        }
    }

    private boolean holding() {
        Hold h = hold;
        return h != null && System.nanoTime() - h.until() < 0 && pendingWrites.get() < lastBatchWrites
                && pendingBytes.get() < maxEntryBytes;
    }

    /**
     * After a batch completed: holds the next one if fewer writes wait than it carried. After a
     * batch of one there is nothing to wait for: the next write goes out as it comes either way.
     */
    private void proposeNextOrHold() {
        int last = lastBatchWrites;
        if (holdNanos <= 0 || last <= 1 || pendingWrites.get() >= last || !sink.proposesEntries()) {
            proposeNext();
            return;
        }
        startHold();
        // a write may have filled the batch between the check and the hold being set
        proposeNext();
    }

    private synchronized void startHold() {
        endHold();
        long until = System.nanoTime() + holdNanos;
        hold = new Hold(until, HOLD_TIMER.schedule(() -> holdTimeUp(until), holdNanos, TimeUnit.NANOSECONDS));
    }

    private void holdTimeUp(long until) {
        synchronized (this) {
            Hold h = hold;
            if (h != null && h.until() == until) {
                hold = null;
            }
        }
        proposeNext();
    }

    /** Under the lock. A hold is for the next entry only: once that goes out, its timer has nothing to end. */
    private void endHold() {
        Hold h = hold;
        if (h != null) {
            hold = null;
            h.timer().cancel(false);
        }
    }

    /** One thread ends the holds of every table. */
    private static final ScheduledThreadPoolExecutor HOLD_TIMER = holdTimer();

    private static ScheduledThreadPoolExecutor holdTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("armada-proposal-hold").factory());
        timer.setRemoveOnCancelPolicy(true); // a cancelled hold leaves nothing behind in the queue
        return timer;
    }

    /**
     * Takes a batch and hands it to the sink under one lock, so batches go out in the order their
     * writes were submitted even with several out at once.
     */
    private synchronized boolean takeAndDeliver() {
        List<Pending> batch = takeBatch();
        if (batch.isEmpty()) {
            return false;
        }
        deliver(batch);
        return true;
    }

    /** Called under the lock: two takers interleaving peek and poll would propose one write twice and lose another. */
    private List<Pending> takeBatch() {
        List<Pending> batch = new ArrayList<>();
        long bytes = 0;
        Pending p;
        while ((p = queue.peek()) != null) {
            if (!batch.isEmpty() && bytes + p.size() + 8 > maxEntryBytes) {
                break;
            }
            queue.poll();
            release(p.size());
            batch.add(p);
            bytes += p.size() + 8;
        }
        return batch;
    }

    private void deliver(List<Pending> batch) {
        List<Command> commands = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            commands.add(p.command());
        }
        listener.batched(batch.size());
        lastBatchWrites = batch.size();
        endHold();
        CompletableFuture<List<Outcome>> outcomes;
        DELIVERING.set(true);
        try {
            outcomes = sink.deliver(commands);
            outcomes.whenComplete((r, error) -> {
                if (DELIVERING.get()) {
                    elsewhere.execute(() -> answered(batch, r, error));
                } else {
                    answered(batch, r, error);
                }
            });
        } catch (RuntimeException e) {
            elsewhere.execute(() -> answered(batch, null, e));
        } finally {
            DELIVERING.set(false);
        }
    }

    private void answered(List<Pending> batch, List<Outcome> outcomes, Throwable error) {
        try {
            complete(batch, outcomes, error);
        } finally {
            inFlight.decrementAndGet();
            proposeNextOrHold();
        }
    }

    private void complete(List<Pending> batch, List<Outcome> outcomes, Throwable error) {
        if (error == null && outcomes.size() != batch.size()) {
            error = new IllegalStateException("table " + table + ": " + outcomes.size() + " outcomes for a batch of "
                    + batch.size() + " writes");
        }
        if (error != null) {
            RuntimeException mapped = RaftErrors.map(table, error);
            batch.forEach(p -> p.result().completeExceptionally(mapped));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Outcome o = outcomes.get(i);
            if (o.error() != null) {
                batch.get(i).result().completeExceptionally(o.error());
            } else {
                batch.get(i).result().complete(o.result());
            }
        }
    }
}
