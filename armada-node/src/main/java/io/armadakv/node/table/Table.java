package io.armadakv.node.table;

import io.armadakv.node.raft.GroupIds;
import io.armadakv.node.raft.LogReader;
import io.armadakv.node.raft.RaftNode;
import io.armadakv.node.storage.RangeIterator;
import io.armadakv.node.storage.RangeQuery;
import io.armadakv.node.storage.RangeResult;
import io.armadakv.node.storage.TableStore;
import io.armadakv.node.storage.TxnRequest;
import io.armadakv.node.storage.TxnResult;
import io.armadakv.proto.internal.ApplyResponse;
import mvcc.v1.Mvcc.Command;
import mvcc.v1.Mvcc.CommandResult;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

/**
 * One table on this node: its Raft group, its store and the batcher its writes go through.
 * Writes are commands; reads go to the local store, after a ReadIndex round when linearizable.
 */
public final class Table {

    private final String name;
    private final long id;
    private final RaftGroupId groupId;
    private final RaftNode raft;
    private final TableStateMachine stateMachine;
    private final ProposalBatcher batcher;
    private final RevisionWaiters waiters;
    private final ReadBarrier readBarrier;
    private final long leaderId;
    private volatile long leaderLastIndex;
    private volatile LogReader logReader;
    /** When this node was last seen caught up with the leader cluster's newest index it knew of. */
    private volatile long caughtUpAtNanos = System.nanoTime();

    Table(String name, long id, long leaderId, RaftNode raft, TableStateMachine stateMachine, RevisionWaiters waiters,
          int maxEntryBytes, int maxInFlight, int maxRelaysInFlight, java.util.concurrent.Executor replies,
          TableObserver observer, ProposalBatcher.Admission admission, long proposalHoldNanos) {
        this.name = name;
        this.leaderId = leaderId;
        this.waiters = waiters;
        this.id = id;
        this.groupId = GroupIds.forTable(id);
        this.raft = raft;
        this.stateMachine = stateMachine;
        WriteRouter router = new WriteRouter(name, id, groupId, raft, maxInFlight, maxRelaysInFlight,
                new WriteRouter.Listener() {
                    @Override
                    public void proposed(int writes) {
                        observer.entryProposed(id, writes);
                    }

                    @Override
                    public void relayed(int writes) {
                        observer.writesRelayed(id, writes);
                    }
                }, replies);
        this.batcher = new ProposalBatcher(name, maxEntryBytes, router, replies,
                (nanos, ok) -> observer.proposalCompleted(id, nanos, ok), admission, proposalHoldNanos);
        this.readBarrier = new ReadBarrier(this::readIndexRound, replies);
    }

    public String name() {
        return name;
    }

    /** The shard id: unique within the cluster, never reused. */
    public long id() {
        return id;
    }

    public RaftGroupId groupId() {
        return groupId;
    }

    /** On a follower cluster: the leader cluster's shard id of the table this one copies. */
    public long leaderId() {
        return leaderId;
    }

    /** On a follower cluster: the leader cluster's newest index as the replicator last reported it. */
    public long leaderLastIndex() {
        return leaderLastIndex;
    }

    /**
     * On a follower cluster: proposes what a replicator pulled from the leader (a SEQUENCE of
     * log commands or a snapshot LOAD / LOAD_COMMIT); completes once the group has applied it.
     */
    public CompletableFuture<ApplyResponse> replicate(Command entry, long leaderLastIndex) {
        if (leaderLastIndex > this.leaderLastIndex) {
            this.leaderLastIndex = leaderLastIndex;
        }
        return raft.propose(groupId, org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations
                .unsafeWrap(entry.toByteArray())).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw RaftErrors.map(name, reply.getException());
            }
            noteIfCaughtUp();
            try {
                return ApplyResponse.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException("table " + name + ": bad apply reply", e);
            }
        });
    }

    /**
     * On a follower cluster: how long this node has been behind the leader cluster. Zero while the
     * store's leader index is at or past the newest leader index a replicator reported; otherwise
     * the time since this node last applied a leader index at or past the newest one it had been
     * told of at that moment (checked after every replicated apply and at every call here).
     */
    public long replicationLagNanos() {
        if (noteIfCaughtUp()) {
            return 0;
        }
        return Math.max(0, System.nanoTime() - caughtUpAtNanos);
    }

    /** On a follower cluster: leader-cluster entries not applied here yet, as far as this node knows. */
    public long replicationLagEntries() {
        return Math.max(0, leaderLastIndex - stateMachine.store().leaderIndex());
    }

    private boolean noteIfCaughtUp() {
        TableStore store;
        try {
            store = stateMachine.store();
        } catch (TableUnavailableException e) {
            return false; // a snapshot install is swapping the store in
        }
        if (store.leaderIndex() >= leaderLastIndex) {
            caughtUpAtNanos = System.nanoTime();
            return true;
        }
        return false;
    }

    /** The group's commit index as this node knows it, or 0 when the group is not running here. */
    public long commitIndex() {
        return raft.division(groupId).map(d -> d.getRaftLog().getLastCommittedIndex()).orElse(0L);
    }

    /** The first index still in this node's Raft log of the table, or -1 when the group is not running here. */
    public long logStartIndex() {
        return raft.division(groupId).map(d -> d.getRaftLog().getStartIndex()).orElse(-1L);
    }

    /**
     * A reader of this node's Raft log of the table in index order, from any index: each call
     * gives the entry at an index, or null when the log no longer (or does not yet) hold it.
     * Meant for one pass upward, such as one replicator request.
     */
    public LongFunction<LogEntryProto> logCursor() {
        RaftServer.Division division = raft.division(groupId).orElse(null);
        if (division == null) {
            return index -> null;
        }
        LogReader reader = logReader;
        if (reader == null || !reader.reads(division)) {
            reader = new LogReader(division); // the group was restarted here: its log is another object
            logReader = reader;
        }
        LogReader.Cursor cursor = reader.cursor();
        return index -> {
            try {
                return cursor.get(index);
            } catch (IOException | RuntimeException e) {
                throw new TableUnavailableException("table " + name + ": cannot read Raft log entry " + index + ": "
                        + e.getMessage(), e);
            }
        };
    }

    /** Completes when this node's copy has reached {@code revision}. */
    public CompletableFuture<Void> awaitRevision(long revision) {
        return waiters.await(revision);
    }

    /** Proposes a client write; completes with its result once it is applied. */
    public CompletableFuture<CommandResult> write(Command command) {
        return batcher.submit(command);
    }

    /**
     * On the group leader: writes another node relayed here, queued with this node's own so that
     * they share its entries. Completes with one outcome per write, in order.
     */
    CompletableFuture<List<ProposalBatcher.Outcome>> acceptRelayed(List<Command> commands) {
        List<CompletableFuture<CommandResult>> results = batcher.submitAll(commands);
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).handle((ignored, error) -> {
            List<ProposalBatcher.Outcome> outcomes = new java.util.ArrayList<>(results.size());
            for (CompletableFuture<CommandResult> f : results) {
                try {
                    outcomes.add(ProposalBatcher.Outcome.of(f.join()));
                } catch (java.util.concurrent.CompletionException e) {
                    outcomes.add(ProposalBatcher.Outcome.failed(RaftErrors.map(name, e)));
                }
            }
            return outcomes;
        });
    }

    /**
     * Proposes one command as a Raft entry of its own, never batched with client writes: a
     * command every node refuses then takes no one else's write down with it. Completes with its
     * result once applied.
     */
    public CompletableFuture<CommandResult> proposeAlone(Command command) {
        return raft.propose(groupId, org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations
                .unsafeWrap(command.toByteArray())).handle((reply, error) -> {
            if (error == null && !reply.isSuccess()) {
                error = reply.getException();
            }
            if (error != null) {
                throw RaftErrors.map(name, error);
            }
            return EntryResults.read(name, reply, 1).getFirst();
        });
    }

    /** Stored versions one compaction step examines at most: bounds how long one entry holds the store. */
    static final int COMPACTION_STEP_VERSIONS = 500;

    /** The least pause between compaction steps, in which client writes have the store to themselves. */
    static final long COMPACTION_STEP_PAUSE_MS = 10;

    /**
     * Between two steps compaction waits this many times as long as the last step took, from its
     * proposal to its apply here: a step waits behind the writes in flight, so under load the
     * steps slow down and writes keep at least three quarters of the table's Raft rounds.
     */
    static final int COMPACTION_YIELD = 3;

    /** The longest pause between two steps (a step held up by an election would otherwise stall it). */
    static final long COMPACTION_STEP_PAUSE_MAX_MS = 1_000;

    static long pauseAfterStepMs(long stepNanos) {
        long yield = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(stepNanos) * COMPACTION_YIELD;
        return Math.min(COMPACTION_STEP_PAUSE_MAX_MS, Math.max(COMPACTION_STEP_PAUSE_MS, yield));
    }

    /**
     * On the group leader, compacts so that the last {@code retention} revisions stay readable;
     * elsewhere, or when there is little to compact, does nothing. The compaction runs as GC
     * steps, one entry each, alone (never batched with client writes): the first step refuses
     * reads below the new compacted revision at once, and the steps then remove the versions no
     * read can see, a bounded slice of the keys at a time. Completes with the number of steps.
     */
    CompletableFuture<Integer> compactIfDue(long retention) {
        boolean leader = raft.leads(groupId);
        TableStore store = stateMachine.store();
        long target = store.revision() - retention;
        if (!leader || target <= store.compactedRevision()) {
            return CompletableFuture.completedFuture(0);
        }
        return compactionStep(target, com.google.protobuf.ByteString.EMPTY, 1);
    }

    private CompletableFuture<Integer> compactionStep(long target, com.google.protobuf.ByteString from, int step) {
        Command gc = Command.newBuilder().setType(Command.CommandType.GC).setRevision(target)
                .setGcFrom(from).setGcLimit(COMPACTION_STEP_VERSIONS).build();
        long started = System.nanoTime();
        return proposeAlone(gc).thenCompose(result -> {
            if (result.getGcNext().isEmpty()) {
                return CompletableFuture.completedFuture(step);
            }
            java.util.concurrent.Executor later = CompletableFuture.delayedExecutor(
                    pauseAfterStepMs(System.nanoTime() - started), java.util.concurrent.TimeUnit.MILLISECONDS);
            return CompletableFuture.supplyAsync(() -> null, later)
                    .thenCompose(ignored -> compactionStep(target, result.getGcNext(), step + 1));
        });
    }

    /**
     * Completes when this node has applied everything the group had committed when called.
     * Concurrent callers share ReadIndex rounds ({@link ReadBarrier}).
     */
    public CompletableFuture<Void> linearizableBarrier() {
        return readBarrier.await();
    }

    private CompletableFuture<Void> readIndexRound() {
        return raft.readIndex(groupId).handle((reply, error) -> {
            if (error == null && reply != null && !reply.isSuccess()) {
                error = reply.getException();
            }
            if (error != null) {
                throw RaftErrors.map(name, error);
            }
            return null;
        });
    }

    public RangeResult range(RangeQuery query) {
        return store().range(query);
    }

    public RangeIterator iterate(RangeQuery query) {
        return store().iterate(query);
    }

    public TxnResult readTxn(TxnRequest txn) {
        return store().readTxn(txn);
    }

    public TableStore store() {
        return stateMachine.store();
    }

    long skippedEntries() {
        return stateMachine.skippedEntries();
    }

    /** Term and leader as this node sees them, for response headers: cheap, no store access. */
    public long[] termAndLeader() {
        RaftServer.Division division = raft.division(groupId).orElse(null);
        if (division == null) {
            return new long[] {0, 0};
        }
        DivisionInfo info = division.getInfo();
        return new long[] {info.getCurrentTerm(), RaftNode.nodeId(info.getLeaderId())};
    }

    /** This node's view of the group: role, term, leader, indices. */
    public GroupState state() {
        RaftServer.Division division = raft.division(groupId).orElse(null);
        TableStore store = stateMachine.store();
        if (division == null) {
            return new GroupState(0, 0, false, store.appliedIndex(), 0, store.sizeOnDisk());
        }
        DivisionInfo info = division.getInfo();
        long logSize = division.getRaftLog().getNextIndex() - division.getRaftLog().getStartIndex();
        return new GroupState(info.getCurrentTerm(), RaftNode.nodeId(info.getLeaderId()), info.isLeader(),
                store.appliedIndex(), Math.max(0, logSize), store.sizeOnDisk());
    }

    /** @param leaderId the leader's node id, 0 when unknown; @param logEntries entries in the Raft log */
    public record GroupState(long term, long leaderId, boolean leader, long appliedIndex, long logEntries,
                             long storeBytes) {
    }
}
