package io.armadakv.node.table;

import com.google.protobuf.ByteString;
import mvcc.v1.Mvcc.Command;
import mvcc.v1.Mvcc.CommandResult;
import mvcc.v1.Mvcc.KeyValue;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProposalBatcherTest {

    /** Answers each proposed entry from another thread after a random delay, like Raft would. */
    private static final class FakeRaft {
        final Map<String, Integer> proposedTimes = new ConcurrentHashMap<>();
        final AtomicInteger entries = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlightSeen = new AtomicInteger();
        final ExecutorService pool = Executors.newFixedThreadPool(8);

        CompletableFuture<RaftClientReply> propose(org.apache.ratis.thirdparty.com.google.protobuf.ByteString data) {
            int now = inFlight.incrementAndGet();
            maxInFlightSeen.accumulateAndGet(now, Math::max);
            entries.incrementAndGet();
            return CompletableFuture.supplyAsync(() -> {
                try {
                    if (ThreadLocalRandom.current().nextInt(4) == 0) {
                        Thread.yield();
                    }
                    Command entry = Command.parseFrom(data.toByteArray());
                    List<Command> commands = entry.getType() == Command.CommandType.SEQUENCE
                            ? entry.getSequenceList() : List.of(entry);
                    List<CommandResult> results = new ArrayList<>();
                    for (Command c : commands) {
                        proposedTimes.merge(c.getKv().getKey().toStringUtf8(), 1, Integer::sum);
                        results.add(CommandResult.newBuilder().setRevision(Long.parseLong(c.getKv().getValue().toStringUtf8())).build());
                    }
                    inFlight.decrementAndGet();
                    return RaftClientReply.newBuilder()
                            .setClientId(ClientId.randomId())
                            .setServerId(RaftPeerId.valueOf("1"))
                            .setGroupId(RaftGroupId.randomId())
                            .setCallId(1)
                            .setSuccess(true)
                            .setMessage(Message.valueOf(EntryResults.encode(results)))
                            .build();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, pool);
        }
    }

    @Test
    void everyWriteIsProposedExactlyOnceAndAnsweredWithItsOwnResult() throws Exception {
        FakeRaft raft = new FakeRaft();
        AtomicInteger reportedEntries = new AtomicInteger();
        AtomicInteger reportedWrites = new AtomicInteger();
        ProposalBatcher batcher = new ProposalBatcher("t", 64 * 1024, ProposalBatcher.raft("t", 8, raft::propose,
                Runnable::run), Runnable::run, new ProposalBatcher.Listener() {
                    @Override
                    public void completed(long nanos, boolean ok) {
                    }

                    @Override
                    public void batched(int writes) {
                        reportedEntries.incrementAndGet();
                        reportedWrites.addAndGet(writes);
                    }
                }, ProposalBatcher.Admission.UNLIMITED);
        ExecutorService submitters = Executors.newFixedThreadPool(8);
        int writes = 50_000;
        List<CompletableFuture<CompletableFuture<CommandResult>>> submitted = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            int n = i;
            submitted.add(CompletableFuture.supplyAsync(() -> batcher.submit(Command.newBuilder()
                    .setType(Command.CommandType.PUT)
                    .setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("k" + n))
                            .setValue(ByteString.copyFromUtf8(Long.toString(n))))
                    .build()), submitters));
        }
        for (int i = 0; i < writes; i++) {
            CommandResult r = submitted.get(i).get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS);
            assertEquals(i, r.getRevision(), "write " + i + " got another write's result");
        }
        assertEquals(writes, raft.proposedTimes.size(), "every write was proposed");
        raft.proposedTimes.forEach((k, times) -> assertEquals(1, times, k + " proposed " + times + " times"));
        assertTrue(raft.entries.get() < writes, "writes were batched: " + raft.entries.get() + " entries");
        assertEquals(raft.entries.get(), reportedEntries.get(), "every proposed entry is reported");
        assertEquals(writes, reportedWrites.get(), "the reported batch sizes add up to the writes");
        assertTrue(raft.maxInFlightSeen.get() <= 8, "at most 8 entries in flight, saw " + raft.maxInFlightSeen.get());
        submitters.shutdown();
        raft.pool.shutdown();
    }

    private static Command put(String key, int valueBytes) {
        return Command.newBuilder().setType(Command.CommandType.PUT)
                .setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFrom(new byte[valueBytes])))
                .build();
    }

    private static Throwable failure(CompletableFuture<CommandResult> f) {
        assertTrue(f.isCompletedExceptionally(), "refused at once");
        try {
            f.getNow(null);
            throw new AssertionError("not refused");
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        }
    }

    @Test
    void aFullQueueRefusesWritesAtOnceAndAdmitsAgainOnceItDrains() {
        List<CompletableFuture<RaftClientReply>> proposals = new ArrayList<>();
        List<org.apache.ratis.thirdparty.com.google.protobuf.ByteString> entries = new ArrayList<>();
        ProposalBatcher batcher = new ProposalBatcher("orders", 1 << 20, ProposalBatcher.raft("orders", 1, data -> {
            entries.add(data);
            CompletableFuture<RaftClientReply> f = new CompletableFuture<>();
            proposals.add(f);
            return f;
        }, Runnable::run), Runnable::run, ProposalBatcher.Listener.NONE,
                new ProposalBatcher.Admission(3, 1 << 20, "api.max-pending-writes", "api.max-pending-write-bytes"));
        batcher.submit(put("in-flight", 1));
        assertEquals(1, proposals.size());
        for (int i = 0; i < 3; i++) {
            assertTrue(!batcher.submit(put("queued" + i, 1)).isDone());
        }
        assertEquals(3, batcher.pendingWrites());
        Throwable refused = failure(batcher.submit(put("over", 1)));
        assertTrue(refused instanceof WritesOverloadedException, refused.toString());
        assertEquals("table orders is overloaded: 3 writes wait for a Raft proposal on this node, the limit is 3 "
                + "(api.max-pending-writes); retry later", refused.getMessage());
        assertEquals(3, batcher.pendingWrites(), "the refused write took no room");
        assertEquals(1, entries.size(), "the refused write was not proposed");
        // the in-flight entry fails: the three queued writes go out as the next entry, and the queue has room again
        proposals.getFirst().completeExceptionally(new IllegalStateException("lost"));
        assertEquals(2, proposals.size());
        assertEquals(0, batcher.pendingWrites());
        assertTrue(!batcher.submit(put("after", 1)).isDone());
        assertEquals(1, batcher.pendingWrites());
    }

    @Test
    void queuedBytesAreBoundedButAWriteAloneAlwaysFits() {
        List<CompletableFuture<RaftClientReply>> proposals = new ArrayList<>();
        ProposalBatcher batcher = new ProposalBatcher("big", 1 << 20, ProposalBatcher.raft("big", 1, data -> {
            CompletableFuture<RaftClientReply> f = new CompletableFuture<>();
            proposals.add(f);
            return f;
        }, Runnable::run), Runnable::run, ProposalBatcher.Listener.NONE,
                new ProposalBatcher.Admission(100, 1000, "api.max-pending-writes", "api.max-pending-write-bytes"));
        batcher.submit(put("in-flight", 10));
        // larger than the byte limit, but nothing else waits: admitted
        assertTrue(!batcher.submit(put("alone", 5000)).isDone());
        Throwable refused = failure(batcher.submit(put("second", 10)));
        assertTrue(refused instanceof WritesOverloadedException, refused.toString());
        assertTrue(refused.getMessage().startsWith("table big is overloaded: 5"), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("bytes would exceed the limit of 1000 bytes "
                + "(api.max-pending-write-bytes); retry later"), refused.getMessage());
        assertEquals(1, batcher.pendingWrites());
    }

    /** A sink that holds every batch until the test answers it. */
    private static final class HeldSink implements ProposalBatcher.Sink {
        final List<List<Command>> batches = new ArrayList<>();
        final List<CompletableFuture<List<ProposalBatcher.Outcome>>> answers = new ArrayList<>();
        final int window;
        final boolean proposesEntries;

        HeldSink(int window) {
            this(window, true);
        }

        HeldSink(int window, boolean proposesEntries) {
            this.window = window;
            this.proposesEntries = proposesEntries;
        }

        @Override
        public boolean proposesEntries() {
            return proposesEntries;
        }

        synchronized int delivered() {
            return batches.size();
        }

        synchronized List<String> keys(int batch) {
            return batches.get(batch).stream().map(c -> c.getKv().getKey().toStringUtf8()).toList();
        }

        synchronized void answer(int batch) {
            answers.get(batch).complete(batches.get(batch).stream()
                    .map(c -> ProposalBatcher.Outcome.of(CommandResult.getDefaultInstance())).toList());
        }

        @Override
        public synchronized CompletableFuture<List<ProposalBatcher.Outcome>> deliver(List<Command> batch) {
            batches.add(batch);
            CompletableFuture<List<ProposalBatcher.Outcome>> f = new CompletableFuture<>();
            answers.add(f);
            return f;
        }

        @Override
        public int window() {
            return window;
        }
    }

    @Test
    void eachWriteOfABatchGetsItsOwnOutcomeAndWritesSubmittedTogetherLeaveTogether() throws Exception {
        HeldSink sink = new HeldSink(1);
        ProposalBatcher batcher = new ProposalBatcher("t", 1 << 20, sink, Runnable::run, ProposalBatcher.Listener.NONE,
                ProposalBatcher.Admission.UNLIMITED);
        List<CompletableFuture<CommandResult>> results = batcher.submitAll(List.of(put("a", 1), put("b", 1), put("c", 1)));
        assertEquals(1, sink.batches.size(), "submitted together, delivered as one batch");
        assertEquals(List.of("a", "b", "c"), sink.batches.getFirst().stream()
                .map(c -> c.getKv().getKey().toStringUtf8()).toList());
        WritesOverloadedException refusal = new WritesOverloadedException("table t is overloaded");
        sink.answers.getFirst().complete(List.of(
                ProposalBatcher.Outcome.of(CommandResult.newBuilder().setRevision(7).build()),
                ProposalBatcher.Outcome.failed(refusal),
                ProposalBatcher.Outcome.of(CommandResult.newBuilder().setRevision(8).build())));
        assertEquals(7, results.get(0).get(1, TimeUnit.SECONDS).getRevision());
        assertEquals(refusal, failureOf(results.get(1)));
        assertEquals(8, results.get(2).get(1, TimeUnit.SECONDS).getRevision());
    }

    @Test
    void aSinkThatAnswersTooFewOutcomesFailsTheWholeBatchAndTheNextBatchStillGoesOut() {
        HeldSink sink = new HeldSink(1);
        ProposalBatcher batcher = new ProposalBatcher("t", 1 << 20, sink, Runnable::run, ProposalBatcher.Listener.NONE,
                ProposalBatcher.Admission.UNLIMITED);
        List<CompletableFuture<CommandResult>> first = batcher.submitAll(List.of(put("a", 1), put("b", 1)));
        CompletableFuture<CommandResult> queued = batcher.submit(put("c", 1));
        assertEquals(1, sink.batches.size(), "one batch out at a time");
        sink.answers.getFirst().complete(List.of(ProposalBatcher.Outcome.of(CommandResult.getDefaultInstance())));
        for (CompletableFuture<CommandResult> f : first) {
            Throwable e = failureOf(f);
            assertTrue(e instanceof IllegalStateException && e.getMessage().contains("1 outcomes for a batch of 2"),
                    e.toString());
        }
        assertEquals(2, sink.batches.size(), "the queued write went out once the window opened");
        assertTrue(!queued.isDone());
    }

    private static final long AN_HOUR = TimeUnit.HOURS.toNanos(1);

    private static ProposalBatcher holding(HeldSink sink, int maxEntryBytes, long holdNanos) {
        return new ProposalBatcher("t", maxEntryBytes, sink, Runnable::run, ProposalBatcher.Listener.NONE,
                ProposalBatcher.Admission.UNLIMITED, holdNanos);
    }

    @Test
    void underLoadTheNextEntryWaitsForAsManyWritesAsTheLastOneCarried() {
        HeldSink sink = new HeldSink(1);
        ProposalBatcher batcher = holding(sink, 1 << 20, AN_HOUR);
        batcher.submitAll(List.of(put("a", 1), put("b", 1), put("c", 1)));
        CompletableFuture<CommandResult> d = batcher.submit(put("d", 1));
        sink.answer(0);
        assertEquals(1, sink.delivered(), "one write waits where the last entry carried three: held");
        batcher.submit(put("e", 1));
        assertEquals(1, sink.delivered());
        batcher.submit(put("f", 1));
        assertEquals(2, sink.delivered(), "the third write filled the entry");
        assertEquals(List.of("d", "e", "f"), sink.keys(1));
        sink.answer(1);
        assertTrue(d.isDone() && !d.isCompletedExceptionally());
    }

    @Test
    void aHoldEndsWhenTheEntryItHeldGoesOut() {
        HeldSink sink = new HeldSink(2);
        ProposalBatcher batcher = holding(sink, 1 << 20, AN_HOUR);
        batcher.submitAll(List.of(put("a", 1), put("b", 1), put("c", 1)));
        sink.answer(0);
        batcher.submitAll(List.of(put("d", 1), put("e", 1), put("f", 1)));
        assertEquals(2, sink.delivered(), "three writes filled the held entry");
        batcher.submit(put("g", 1));
        assertEquals(3, sink.delivered(), "a second entry may be in flight, and no hold is left to stop it");
        assertEquals(List.of("g"), sink.keys(2));
    }

    @Test
    void aLoneWriterIsNeverHeld() {
        HeldSink sink = new HeldSink(1);
        ProposalBatcher batcher = holding(sink, 1 << 20, AN_HOUR);
        for (int i = 0; i < 5; i++) {
            batcher.submit(put("k" + i, 1));
            assertEquals(i + 1, sink.delivered(), "write " + i + " went out at once");
            sink.answer(i);
        }
    }

    @Test
    void aHoldEndsWithWhatWaitsWhenItsTimeIsUp() throws Exception {
        HeldSink sink = new HeldSink(1);
        ProposalBatcher batcher = holding(sink, 1 << 20, TimeUnit.MILLISECONDS.toNanos(20));
        batcher.submitAll(List.of(put("a", 1), put("b", 1), put("c", 1)));
        batcher.submit(put("d", 1));
        sink.answer(0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sink.delivered() < 2 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        assertEquals(2, sink.delivered(), "the held write went out when the hold ended");
        assertEquals(List.of("d"), sink.keys(1));
    }

    @Test
    void relayedBatchesAndFullEntriesAreNotHeld() {
        HeldSink relay = new HeldSink(1, false);
        ProposalBatcher relaying = holding(relay, 1 << 20, AN_HOUR);
        relaying.submitAll(List.of(put("a", 1), put("b", 1), put("c", 1)));
        relaying.submit(put("d", 1));
        relay.answer(0);
        assertEquals(2, relay.delivered(), "a relay goes to the leader at once, to join its next entry");

        HeldSink sink = new HeldSink(1);
        ProposalBatcher batcher = holding(sink, 1000, AN_HOUR);
        batcher.submitAll(List.of(put("a", 1), put("b", 1), put("c", 1)));
        batcher.submit(put("big", 2000));
        sink.answer(0);
        assertEquals(2, sink.delivered(), "what waits already fills an entry: no reason to wait for more");
    }

    private static Throwable failureOf(CompletableFuture<CommandResult> f) {
        assertTrue(f.isCompletedExceptionally(), "failed");
        try {
            f.join();
            throw new AssertionError("not failed");
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        }
    }
}
