package io.armadakv.node.table;

import io.armadakv.node.storage.DeleteResult;
import io.armadakv.node.storage.EntryWriter;
import io.armadakv.node.storage.KeyRange;
import io.armadakv.node.storage.LimitExceededException;
import io.armadakv.node.storage.StagingMismatchException;
import io.armadakv.node.storage.PutResult;
import io.armadakv.node.storage.TxnResult;
import mvcc.v1.Mvcc;
import mvcc.v1.Mvcc.Command;
import mvcc.v1.Mvcc.CommandResult;

import java.util.ArrayList;
import java.util.List;

/**
 * Applies one table command to the store. Deterministic: the same command on the same store
 * state gives the same writes and the same results on every node. A client command yields one
 * {@link CommandResult}; a SEQUENCE yields one per nested command, in order.
 */
final class CommandApplier {

    /** Range results inside a Txn are cut at upstream's message budget (4 MiB - 1 KiB). */
    static final long MAX_RANGE_BYTES = 4L * 1024 * 1024 - 1024;

    private final String table;

    CommandApplier(String table) {
        this.table = table;
    }

    List<CommandResult> apply(EntryWriter w, Command command) {
        List<CommandResult> results = new ArrayList<>(
                command.getType() == Command.CommandType.SEQUENCE ? command.getSequenceCount() : 1);
        applyInto(w, command, results);
        return results;
    }

    private void applyInto(EntryWriter w, Command c, List<CommandResult> out) {
        switch (c.getType()) {
            case PUT -> out.add(checked(c, put(w, c.getKv(), c.getPrevKvs())));
            case DELETE -> out.add(checked(c, delete(w, c)));
            case TXN -> out.add(checked(c, txn(w, c.getTxn())));
            case PUT_BATCH -> {
                CommandResult.Builder r = CommandResult.newBuilder();
                for (Mvcc.KeyValue kv : c.getBatchList()) {
                    PutResult p = w.put(kv.getKey().toByteArray(), kv.getValue().toByteArray(), false);
                    r.addResponses(KvProtos.toResponseOp(p)).setRevision(p.revision());
                }
                out.add(r.setRevision(w.revision()).build());
            }
            case DELETE_BATCH -> {
                CommandResult.Builder r = CommandResult.newBuilder();
                for (Mvcc.KeyValue kv : c.getBatchList()) {
                    r.addResponses(KvProtos.toResponseOp(w.deleteRange(KeyRange.single(kv.getKey().toByteArray()), false)));
                }
                out.add(r.setRevision(w.revision()).build());
            }
            case SEQUENCE -> {
                for (Command nested : c.getSequenceList()) {
                    if (nested.getType() == Command.CommandType.SEQUENCE) {
                        throw new InvalidCommandException(table, "nested SEQUENCE commands are not allowed");
                    }
                    applyInto(w, nested, out);
                }
            }
            case GC -> {
                // a stale or repeated one is a no-op on every node alike; the writer's compacted
                // revision, not the store's: an earlier entry of the same store commit may have compacted
                long target = c.getRevision();
                CommandResult.Builder r = CommandResult.newBuilder();
                if (c.getGcLimit() == 0) {
                    if (target > w.compactedRevision() && target <= w.revision()) {
                        w.compact(target);
                    }
                } else {
                    byte[] from = c.getGcFrom().toByteArray();
                    boolean starts = from.length == 0 && target > w.compactedRevision() && target <= w.revision();
                    boolean continues = from.length > 0 && target == w.compactedRevision();
                    if (starts || continues) {
                        EntryWriter.CompactionStep step = w.compactStep(target, from,
                                (int) Math.min(Integer.MAX_VALUE, c.getGcLimit()));
                        if (step.nextKey() != null) {
                            r.setGcNext(com.google.protobuf.ByteString.copyFrom(step.nextKey()));
                        }
                    }
                }
                out.add(r.setRevision(w.revision()).build());
            }
            case DUMMY -> out.add(CommandResult.newBuilder().setRevision(w.revision()).build());
            case RESTORE -> {
                List<EntryWriter.BackupKey> keys = new ArrayList<>(c.getBatchCount());
                for (Mvcc.KeyValue kv : c.getBatchList()) {
                    keys.add(new EntryWriter.BackupKey(kv.getKey().toByteArray(), kv.getValue().toByteArray()));
                }
                try {
                    w.stageRestore(restoreId(c), keys);
                } catch (LimitExceededException e) {
                    throw new InvalidCommandException(table, e.getMessage());
                }
                out.add(checked(c, CommandResult.newBuilder().setRevision(w.revision()).build()));
            }
            case RESTORE_COMMIT -> {
                long revision;
                try {
                    revision = w.commitRestore(restoreId(c), c.getLoad().getVersions());
                } catch (StagingMismatchException e) {
                    throw new InvalidCommandException(table, e.getMessage());
                }
                out.add(checked(c, CommandResult.newBuilder().setRevision(revision).build()));
            }
            case RESTORE_ABORT -> {
                w.abortRestore(restoreId(c));
                out.add(CommandResult.newBuilder().setRevision(w.revision()).build());
            }
            case LOAD, LOAD_COMMIT -> throw new InvalidCommandException(table,
                    c.getType() + " loads a leader snapshot into a follower table; this table takes client commands");
            case UNRECOGNIZED -> throw new InvalidCommandException(table, "unknown command type " + c.getTypeValue());
        }
    }

    private long restoreId(Command c) {
        if (c.getRestoreId() == 0) {
            throw new InvalidCommandException(table, c.getType() + " without a restore id");
        }
        return c.getRestoreId();
    }

    private static CommandResult put(EntryWriter w, Mvcc.KeyValue kv, boolean prevKv) {
        PutResult p = w.put(kv.getKey().toByteArray(), kv.getValue().toByteArray(), prevKv);
        return CommandResult.newBuilder().addResponses(KvProtos.toResponseOp(p)).setRevision(p.revision()).build();
    }

    private static CommandResult delete(EntryWriter w, Command c) {
        KeyRange range = KeyRange.of(c.getKv().getKey().toByteArray(),
                c.hasRangeEnd() ? c.getRangeEnd().toByteArray() : null);
        DeleteResult d = w.deleteRange(range, c.getPrevKvs());
        return CommandResult.newBuilder().addResponses(KvProtos.toResponseOp(d)).setRevision(d.revision()).build();
    }

    private static CommandResult txn(EntryWriter w, Mvcc.Txn txn) {
        TxnResult r = w.txn(KvProtos.txn(txn, MAX_RANGE_BYTES));
        // the branch taken travels as the revision's companion: results carry it in their responses
        return CommandResult.newBuilder()
                .addAllResponses(KvProtos.toProto(r))
                .setRevision(r.revision())
                .setSucceeded(r.succeeded())
                .build();
    }

    /** A replicated command carries the revision the leader gave it; any other outcome is divergence. */
    private CommandResult checked(Command c, CommandResult result) {
        if (c.getRevision() != 0 && c.getRevision() != result.getRevision()) {
            throw new DivergenceException(table, c.getRevision(), result.getRevision());
        }
        return result;
    }
}
