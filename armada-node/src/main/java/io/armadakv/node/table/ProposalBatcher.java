package io.armadakv.node.table;

import mvcc.v1.Mvcc.Command;
import mvcc.v1.Mvcc.CommandResult;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Packs the writes that queue up while proposals are in flight into the next Raft entry, so the
 * rate of writes is not bounded by the rate of Raft entries. When idle a write is proposed at
 * once, alone: nobody waits for a batch to fill. Up to {@code maxInFlight} entries may be in
 * flight; Ratis keeps them in order. Fewer in flight means fuller entries under load, and every
 * entry costs a Raft round on each node.
 * The queue is bounded by count and bytes: an overloaded table refuses a write at once
 * ({@link WritesOverloadedException}) instead of letting memory grow with the backlog.
 */
final class ProposalBatcher {

    private record Pending(Command command, int size, CompletableFuture<CommandResult> result) {
    }

    /** Hears what the batcher does, for metrics: each write's time to its reply, and each entry's size. */
    interface Listener {
        Listener NONE = (nanos, ok) -> {
        };

        void completed(long nanos, boolean ok);

        /** A batch of {@code writes} went to Raft as one entry. */
        default void proposed(int writes) {
        }
    }

    private final String table;
    private final int maxEntryBytes;
    private final Function<ByteString, CompletableFuture<RaftClientReply>> proposer;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int maxInFlight;
    private final Admission admission;
    /** Writes and bytes submitted but not yet taken into a proposal. */
    private final AtomicInteger pendingWrites = new AtomicInteger();
    private final AtomicLong pendingBytes = new AtomicLong();

    private final Executor replies;
    private final Listener listener;

    /**
     * @param replies runs reply handling: Ratis completes a proposal on its apply thread, which
     *                must go back to applying instead of answering clients and proposing again
     */
    /**
     * How many writes, and how many bytes of them, may wait for a proposal; the config keys are
     * named in the refusal.
     */
    record Admission(int maxPendingWrites, long maxPendingBytes, String writesKey, String bytesKey) {
        static final Admission UNLIMITED = new Admission(Integer.MAX_VALUE, Long.MAX_VALUE, "", "");
    }

    ProposalBatcher(String table, int maxEntryBytes, int maxInFlight,
                    Function<ByteString, CompletableFuture<RaftClientReply>> proposer, Executor replies) {
        this(table, maxEntryBytes, maxInFlight, proposer, replies, Listener.NONE, Admission.UNLIMITED);
    }

    ProposalBatcher(String table, int maxEntryBytes, int maxInFlight,
                    Function<ByteString, CompletableFuture<RaftClientReply>> proposer, Executor replies,
                    Listener listener, Admission admission) {
        this.table = table;
        this.admission = admission;
        this.listener = listener;
        this.replies = replies;
        this.maxEntryBytes = maxEntryBytes;
        this.maxInFlight = maxInFlight;
        this.proposer = proposer;
    }

    CompletableFuture<CommandResult> submit(Command command) {
        int size = command.getSerializedSize();
        RuntimeException refused = admit(size);
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        long submitted = System.nanoTime();
        result.whenComplete((r, error) -> listener.completed(System.nanoTime() - submitted, error == null));
        queue.add(new Pending(command, size, result));
        proposeNext();
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

    /** Writes waiting for a proposal right now. */
    int pendingWrites() {
        return pendingWrites.get();
    }

    private void proposeNext() {
        while (!queue.isEmpty()) {
            int n = inFlight.get();
            if (n >= maxInFlight || !inFlight.compareAndSet(n, n + 1)) {
                if (n >= maxInFlight) {
                    return; // a completing proposal calls proposeNext again
                }
                continue;
            }
            if (!takeAndPropose()) {
                inFlight.decrementAndGet();
            }
        }
    }

    /**
     * Takes a batch and hands it to Raft under one lock, so entries reach the log in the order
     * their writes were submitted even with several in flight.
     */
    private synchronized boolean takeAndPropose() {
        List<Pending> batch = takeBatch();
        if (batch.isEmpty()) {
            return false;
        }
        propose(batch);
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

    private void propose(List<Pending> batch) {
        Command entry;
        if (batch.size() == 1) {
            entry = batch.getFirst().command();
        } else {
            Command.Builder seq = Command.newBuilder().setType(Command.CommandType.SEQUENCE);
            for (Pending p : batch) {
                seq.addSequence(p.command());
            }
            entry = seq.build();
        }
        listener.proposed(batch.size());
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = proposer.apply(UnsafeByteOperations.unsafeWrap(entry.toByteArray()));
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenCompleteAsync((r, error) -> {
            try {
                complete(batch, r, error);
            } finally {
                inFlight.decrementAndGet();
                proposeNext();
            }
        }, replies);
    }

    private void complete(List<Pending> batch, RaftClientReply reply, Throwable error) {
        if (error == null && reply != null && !reply.isSuccess()) {
            error = reply.getException();
        }
        if (error != null) {
            RuntimeException mapped = RaftErrors.map(table, error);
            batch.forEach(p -> p.result().completeExceptionally(mapped));
            return;
        }
        try (InputStream in = reply.getMessage().getContent().newInput()) {
            for (Pending p : batch) {
                CommandResult r = CommandResult.parseDelimitedFrom(in);
                if (r == null) {
                    throw new IOException("the entry's reply has fewer results than the entry has writes");
                }
                p.result().complete(r);
            }
        } catch (IOException | RuntimeException e) {
            IllegalStateException failure = new IllegalStateException("table " + table + ": bad apply reply", e);
            batch.forEach(p -> p.result().completeExceptionally(failure));
        }
    }
}
