package io.armadakv.node.table;

import com.google.protobuf.CodedInputStream;
import io.armadakv.node.storage.EntryWriter;
import io.armadakv.node.storage.StoreOptions;
import mvcc.v1.Mvcc.Command;
import mvcc.v1.Mvcc.CommandResult;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The state machine of one table's Raft group: applies mvcc.v1 commands to the table's store. */
final class TableStateMachine extends StoreStateMachine {

    private final long tableId;
    private final CommandApplier applier;
    /** Set on a follower cluster: entries come from a replicator, never from clients. */
    private final ReplicaApplier replica;
    private final Runnable onApplied;

    TableStateMachine(long tableId, Path dir, StoreOptions options, SnapshotFetcher fetcher, boolean follower,
                      Runnable onApplied) {
        this(tableId, dir, options, fetcher, follower, onApplied, TableObserver.NONE);
    }

    TableStateMachine(long tableId, Path dir, StoreOptions options, SnapshotFetcher fetcher, boolean follower,
                      Runnable onApplied, TableObserver observer) {
        super(dir, options, fetcher, tableId, observer);
        this.tableId = tableId;
        this.applier = new CommandApplier(options.name());
        this.replica = follower ? new ReplicaApplier(options.name(), applier) : null;
        this.onApplied = onApplied;
    }

    long tableId() {
        return tableId;
    }

    @Override
    ByteString applyEntry(EntryWriter writer, long index, ByteString data) {
        Command command;
        try {
            command = decodeCommand(data.toByteArray());
        } catch (IOException e) {
            throw new InvalidCommandException(Long.toString(tableId), "undecodable command: " + e.getMessage());
        }
        if (replica != null) {
            return UnsafeByteOperations.unsafeWrap(replica.apply(writer, command).toByteArray());
        }
        List<CommandResult> results = applier.apply(writer, command);
        long[] revisions = new long[results.size()];
        for (int i = 0; i < revisions.length; i++) {
            revisions[i] = results.get(i).getRevision();
        }
        writer.recordRevisions(revisions);
        return EntryResults.encode(results);
    }

    /**
     * The command of an entry's bytes, whose keys and values share {@code entry} instead of a copy
     * each: protobuf aliases only input it was told is immutable, which {@code newInstance(byte[])}
     * is not, so the bytes go in wrapped.
     */
    static Command decodeCommand(byte[] entry) throws IOException {
        CodedInputStream in = com.google.protobuf.UnsafeByteOperations.unsafeWrap(entry).newCodedInput();
        in.enableAliasing(true);
        return Command.parseFrom(in);
    }

    /** A refused entry is served to replicators as a DUMMY: no revisions recorded means none given. */
    @Override
    void onRefused(EntryWriter writer) {
        if (replica == null) {
            writer.recordRevisions(new long[0]);
        }
    }

    @Override
    void afterApply() {
        onApplied.run();
    }
}
