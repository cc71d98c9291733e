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
import java.util.function.Function;

/**
 * Packs the writes that queue up while proposals are in flight into the next Raft entry, so the
 * rate of writes is not bounded by the rate of Raft entries. When idle a write is proposed at
 * once, alone: nobody waits for a batch to fill. A few entries may be in flight at once so that
 * one entry's log fsync overlaps the previous entry's apply; Ratis keeps them in order.
 */
final class ProposalBatcher {

    private record Pending(Command command, int size, CompletableFuture<CommandResult> result) {
    }

    /** Receives each write's time from submission to reply, and whether it succeeded. */
    interface LatencyListener {
        LatencyListener NONE = (nanos, ok) -> {
        };

        void completed(long nanos, boolean ok);
    }

    private final String table;
    private final int maxEntryBytes;
    private final Function<ByteString, CompletableFuture<RaftClientReply>> proposer;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int maxInFlight;

    private final Executor replies;
    private final LatencyListener latency;

    /**
     * @param replies runs reply handling: Ratis completes a proposal on its apply thread, which
     *                must go back to applying instead of answering clients and proposing again
     */
    ProposalBatcher(String table, int maxEntryBytes, int maxInFlight,
                    Function<ByteString, CompletableFuture<RaftClientReply>> proposer, Executor replies) {
        this(table, maxEntryBytes, maxInFlight, proposer, replies, LatencyListener.NONE);
    }

    ProposalBatcher(String table, int maxEntryBytes, int maxInFlight,
                    Function<ByteString, CompletableFuture<RaftClientReply>> proposer, Executor replies,
                    LatencyListener latency) {
        this.table = table;
        this.latency = latency;
        this.replies = replies;
        this.maxEntryBytes = maxEntryBytes;
        this.maxInFlight = maxInFlight;
        this.proposer = proposer;
    }

    CompletableFuture<CommandResult> submit(Command command) {
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        long submitted = System.nanoTime();
        result.whenComplete((r, error) -> latency.completed(System.nanoTime() - submitted, error == null));
        queue.add(new Pending(command, command.getSerializedSize(), result));
        proposeNext();
        return result;
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
