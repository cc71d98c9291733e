package io.armadakv.node.table;

import io.armadakv.node.raft.GroupIds;
import io.armadakv.node.raft.RaftNode;
import io.armadakv.node.storage.RangeIterator;
import io.armadakv.node.storage.RangeQuery;
import io.armadakv.node.storage.RangeResult;
import io.armadakv.node.storage.TableStore;
import io.armadakv.node.storage.TxnRequest;
import io.armadakv.node.storage.TxnResult;
import mvcc.v1.Mvcc.Command;
import mvcc.v1.Mvcc.CommandResult;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;

import java.util.concurrent.CompletableFuture;

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

    Table(String name, long id, RaftNode raft, TableStateMachine stateMachine, int maxEntryBytes, int maxInFlight,
          java.util.concurrent.Executor replies) {
        this.name = name;
        this.id = id;
        this.groupId = GroupIds.forTable(id);
        this.raft = raft;
        this.stateMachine = stateMachine;
        this.batcher = new ProposalBatcher(name, maxEntryBytes, maxInFlight, data -> raft.propose(groupId, data), replies);
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

    /** Proposes a client write; completes with its result once it is applied. */
    public CompletableFuture<CommandResult> write(Command command) {
        return batcher.submit(command);
    }

    /**
     * On the group leader, proposes a compaction that keeps the last {@code retention} revisions
     * readable; elsewhere, or when there is little to compact, does nothing.
     */
    CompletableFuture<Boolean> compactIfDue(long retention) {
        boolean leader = raft.division(groupId).map(d -> d.getInfo().isLeader()).orElse(false);
        TableStore store = stateMachine.store();
        long target = store.revision() - retention;
        if (!leader || target <= store.compactedRevision()) {
            return CompletableFuture.completedFuture(false);
        }
        Command gc = Command.newBuilder().setType(Command.CommandType.GC).setRevision(target).build();
        // alone in its entry, never batched: two compactions in one entry would race each other's check
        return raft.propose(groupId, org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations
                .unsafeWrap(gc.toByteArray())).thenApply(reply -> reply.isSuccess());
    }

    /** Completes when this node has applied everything the group had committed when called. */
    public CompletableFuture<Void> linearizableBarrier() {
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
