package io.armadakv.node.table;

import io.armadakv.node.storage.EntryWriter;
import io.armadakv.node.storage.StoreOptions;
import mvcc.v1.Mvcc.Command;
import mvcc.v1.Mvcc.CommandResult;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** The state machine of one table's Raft group: applies mvcc.v1 commands to the table's store. */
final class TableStateMachine extends StoreStateMachine {

    private final long tableId;
    private final CommandApplier applier;

    TableStateMachine(long tableId, Path dir, StoreOptions options, SnapshotFetcher fetcher) {
        super(dir, options, fetcher);
        this.tableId = tableId;
        this.applier = new CommandApplier(options.name(), () -> store().compactedRevision());
    }

    long tableId() {
        return tableId;
    }

    @Override
    ByteString applyEntry(EntryWriter writer, long index, ByteString data) {
        Command command;
        try {
            command = Command.parseFrom(data.asReadOnlyByteBuffer());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new InvalidCommandException(Long.toString(tableId), "undecodable command: " + e.getMessage());
        }
        List<CommandResult> results = applier.apply(writer, command);
        return encode(results);
    }

    static ByteString encode(List<CommandResult> results) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * results.size());
        try {
            for (CommandResult r : results) {
                r.writeDelimitedTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return UnsafeByteOperations.unsafeWrap(out.toByteArray());
    }
}
