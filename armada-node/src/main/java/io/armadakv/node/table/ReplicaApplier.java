package io.armadakv.node.table;

import io.armadakv.node.storage.EntryWriter;
import io.armadakv.node.storage.SnapshotPoint;
import io.armadakv.node.storage.StagingMismatchException;
import io.armadakv.node.storage.VersionRecord;
import io.armadakv.proto.internal.ApplyResponse;
import mvcc.v1.Mvcc;
import mvcc.v1.Mvcc.Command;

import java.util.ArrayList;
import java.util.List;

/**
 * Applies what a replicator proposes into a follower table: leader log commands packed in a
 * SEQUENCE, or the LOAD / LOAD_COMMIT commands of a leader snapshot; and the reset a follower
 * node proposes itself (Maintenance.Reset: a DUMMY with leader index 0). Client commands never get
 * here: a follower forwards them to the leader cluster.
 */
final class ReplicaApplier {

    private final String table;
    private final CommandApplier commands;

    ReplicaApplier(String table, CommandApplier commands) {
        this.table = table;
        this.commands = commands;
    }

    ApplyResponse apply(EntryWriter w, Command entry) {
        switch (entry.getType()) {
            case SEQUENCE -> applyLog(w, entry);
            case LOAD -> w.stage(point(entry), versions(entry));
            case LOAD_COMMIT -> {
                try {
                    w.commitStaged(point(entry), entry.getLoad().getVersions());
                } catch (StagingMismatchException e) {
                    throw new InvalidCommandException(table, e.getMessage());
                }
            }
            case DUMMY -> {
                if (!entry.hasLeaderIndex() || entry.getLeaderIndex() != 0) {
                    throw new InvalidCommandException(table, "a follower table takes a DUMMY only as a reset "
                            + "(leader index 0)");
                }
                // Maintenance.Reset: the content stays readable until a leader snapshot replaces it
                w.setLeaderIndex(0);
            }
            default -> throw new InvalidCommandException(table, "a follower table takes only replicated commands, not "
                    + entry.getType());
        }
        return ApplyResponse.newBuilder().setLeaderIndex(w.leaderIndex()).setRevision(w.revision()).build();
    }

    /**
     * Commands at or below the stored leader index were applied before (a replicator retried or
     * another took over) and are skipped; after them the indices must continue without a gap.
     * Each applied write is checked against the revision the leader gave it.
     */
    private void applyLog(EntryWriter w, Command sequence) {
        long stored = w.leaderIndex();
        if (stored == 0 && w.revision() > 0) {
            // only a reset leaves content without a cursor: replaying the log over it would diverge
            throw new InvalidCommandException(table, "the table was reset: it reloads from a leader snapshot, "
                    + "not from the log");
        }
        long last = stored;
        for (Command c : sequence.getSequenceList()) {
            if (!c.hasLeaderIndex()) {
                throw new InvalidCommandException(table, "replicated command without a leader index");
            }
            long index = c.getLeaderIndex();
            if (index <= stored) {
                continue;
            }
            if (index != last && index != last + 1) {
                throw new InvalidCommandException(table, "replicated log has a gap: expected leader index "
                        + (last + 1) + ", got " + index);
            }
            switch (c.getType()) {
                case SEQUENCE, LOAD, LOAD_COMMIT -> throw new InvalidCommandException(table,
                        c.getType() + " cannot be nested in a replicated sequence");
                default -> commands.apply(w, c);
            }
            last = index;
        }
        if (last != stored) {
            w.setLeaderIndex(last);
        }
    }

    private static SnapshotPoint point(Command c) {
        Mvcc.SnapshotLoad load = c.getLoad();
        return new SnapshotPoint(load.getLeaderIndex(), load.getRevision(), load.getCompactedRevision());
    }

    private static List<VersionRecord> versions(Command c) {
        List<VersionRecord> out = new ArrayList<>(c.getBatchCount());
        for (Mvcc.KeyValue kv : c.getBatchList()) {
            out.add(new VersionRecord(kv.getKey().toByteArray(), kv.getModRevision(), kv.getCreateRevision(),
                    kv.getVersion(), kv.getVersion() == 0 ? null : kv.getValue().toByteArray()));
        }
        return out;
    }
}
