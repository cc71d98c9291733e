package io.armadakv.node.table;

import com.google.protobuf.InvalidProtocolBufferException;
import io.armadakv.node.raft.RaftNode;
import io.armadakv.proto.internal.RelayOutcome;
import io.armadakv.proto.internal.RelayRequest;
import io.armadakv.proto.internal.RelayResponse;
import mvcc.v1.Mvcc.Command;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a table's batches of client writes go. On the node that leads the group a batch becomes
 * one Raft entry. Elsewhere it is relayed to the leader node, whose batcher packs it into its own
 * entries together with every other node's writes: one Raft round then carries them all, where
 * an entry from each node would cost a round each. When the leader is unknown, the connection to
 * it is not up, or it answers that it no longer leads, the batch is proposed from here through
 * Ratis' client, which finds the leader itself.
 */
final class WriteRouter implements ProposalBatcher.Sink {

    /** How long a relayed batch may wait for the leader's answer before its writes fail as unknown. */
    static final long RELAY_TIMEOUT_MS = 10_000;

    /** Hears where each batch went, for metrics. */
    interface Listener {
        Listener NONE = new Listener() {
        };

        /** This node proposed a Raft entry of {@code writes} writes. */
        default void proposed(int writes) {
        }

        /** This node relayed {@code writes} writes to the leader node. */
        default void relayed(int writes) {
        }
    }

    private final String table;
    private final long tableId;
    private final RaftGroupId groupId;
    private final RaftNode raft;
    private final int maxEntriesInFlight;
    private final int maxRelaysInFlight;
    private final Listener listener;
    private final java.util.concurrent.Executor replies;

    /**
     * @param replies reads the answers to this node's own entries: Ratis gives them on its apply
     *                thread, which must go back to applying. A relay's answer is handled where it
     *                arrives, on the connection's event loop, which only waits for the network.
     */
    WriteRouter(String table, long tableId, RaftGroupId groupId, RaftNode raft, int maxEntriesInFlight,
                int maxRelaysInFlight, Listener listener, java.util.concurrent.Executor replies) {
        this.table = table;
        this.tableId = tableId;
        this.groupId = groupId;
        this.raft = raft;
        this.maxEntriesInFlight = maxEntriesInFlight;
        this.maxRelaysInFlight = maxRelaysInFlight;
        this.listener = listener;
        this.replies = replies;
    }

    @Override
    public int window() {
        return raft.leads(groupId) ? maxEntriesInFlight : maxRelaysInFlight;
    }

    @Override
    public boolean proposesEntries() {
        return raft.leads(groupId);
    }

    @Override
    public CompletableFuture<List<ProposalBatcher.Outcome>> deliver(List<Command> batch) {
        RaftPeerId leader = raft.leaderOf(groupId);
        if (leader == null || leader.equals(raft.selfId()) || !raft.relay().ready(leader)) {
            return propose(batch);
        }
        byte[] request = RelayRequest.newBuilder().setTableId(tableId).addAllCommands(batch).build().toByteArray();
        listener.relayed(batch.size());
        return raft.relay().send(leader, request, RELAY_TIMEOUT_MS).handle((reply, error) -> {
            if (error != null) {
                // it may have reached the leader and been applied: no second try, the client decides
                throw new TableUnavailableException("table " + table + ": " + batch.size()
                        + " writes were relayed to node " + leader + ", which did not answer; they may or may not "
                        + "have been applied (" + error.getMessage() + ")", error);
            }
            try {
                return RelayResponse.parseFrom(reply);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("table " + table + ": undecodable relay reply from node " + leader, e);
            }
        }).thenCompose(response -> {
            if (response.getNotLeader()) {
                return propose(batch); // it did nothing with them
            }
            List<ProposalBatcher.Outcome> outcomes = new ArrayList<>(response.getOutcomesCount());
            for (RelayOutcome o : response.getOutcomesList()) {
                outcomes.add(RelayOutcomes.decode(o));
            }
            return CompletableFuture.completedFuture(outcomes);
        });
    }

    private CompletableFuture<List<ProposalBatcher.Outcome>> propose(List<Command> batch) {
        listener.proposed(batch.size());
        return ProposalBatcher.proposeEntry(table, batch, data -> raft.propose(groupId, data), replies);
    }
}
