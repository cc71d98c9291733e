package io.armadakv.node.replication;

import com.google.protobuf.ByteString;
import io.armadakv.node.storage.SnapshotPoint;
import io.armadakv.node.storage.VersionRecord;
import io.armadakv.node.table.Table;
import io.armadakv.node.table.TableManager;
import io.armadakv.proto.internal.TableDescriptor;
import mvcc.v1.Mvcc;
import mvcc.v1.Mvcc.Command;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import replication.v1.Replication.MetadataResponse;
import replication.v1.Replication.ReplicateCommand;
import replication.v1.Replication.ReplicateCommandsResponse;
import replication.v1.Replication.ReplicateErrResponse;
import replication.v1.Replication.ReplicateError;
import replication.v1.Replication.ReplicateRequest;
import replication.v1.Replication.ReplicateResponse;
import replication.v1.Replication.ReplicationFrame;
import replication.v1.Replication.ReplicationRequest;
import replication.v1.Replication.StreamError;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * Answers one replicator request on one QUIC stream: the table list, a table's log from an
 * index, or a table's snapshot. Any node of the leader cluster answers from its own log and
 * store; what it has applied is what it serves.
 */
public final class ReplicationHandler {

    /** Snapshot LOAD commands are cut at this size: a follower proposes each as one Raft entry. */
    static final int SNAPSHOT_BATCH_BYTES = 256 * 1024;
    private static final int REVISIONS_CHUNK = 1024;
    /** The longest a caught-up replicator's request is held open waiting for new writes. */
    static final long MAX_WAIT_MS = 10_000;

    private final TableManager tables;
    private final int maxBatchBytes;

    public ReplicationHandler(TableManager tables, int maxBatchBytes) {
        this.tables = tables;
        this.maxBatchBytes = maxBatchBytes;
    }

    public void handle(InputStream in, OutputStream rawOut) throws IOException {
        OutputStream out = new java.io.BufferedOutputStream(rawOut, 64 * 1024);
        ReplicationRequest request = BoundedRequest.read(in, ReplicationRequest.parser());
        if (request == null) {
            throw new IOException("stream closed before its request");
        }
        if (request.hasClientAuth()) {
            // only reaches here when this endpoint has no client CAs: nothing to prove
            write(out, ReplicationFrame.newBuilder().setAuthenticated(true).build());
            out.flush();
            return;
        }
        switch (request.getRequestCase()) {
            case METADATA -> write(out, ReplicationFrame.newBuilder().setMetadata(metadata()).build());
            case REPLICATE -> replicate(request.getReplicate(), budget(request),
                    Math.min(request.getWaitMs(), MAX_WAIT_MS), out);
            case SNAPSHOT -> snapshot(request.getSnapshot().getTable().toString(StandardCharsets.UTF_8), out);
            case REQUEST_NOT_SET -> error(out, "INVALID_ARGUMENT", "empty replication request");
        }
        out.flush();
    }

    private int budget(ReplicationRequest request) {
        long asked = request.getMaxBatchBytes();
        return asked > 0 && asked < maxBatchBytes ? (int) asked : maxBatchBytes;
    }

    private MetadataResponse metadata() {
        MetadataResponse.Builder r = MetadataResponse.newBuilder();
        for (TableDescriptor d : tables.catalogTables()) {
            r.addTables(replication.v1.Replication.Table.newBuilder().setName(d.getName())
                    .setType(replication.v1.Replication.Table.Type.REPLICATED)
                    .setConfig(d.getConfig()).setId(d.getId()));
        }
        return r.build();
    }

    /**
     * Sends entries from the asked index up to what this node has applied, in batches of about
     * the byte budget that never split one entry, then a final message with the applied index.
     */
    private void replicate(ReplicateRequest request, int budget, long waitMs, OutputStream out) throws IOException {
        String name = request.getTable().toString(StandardCharsets.UTF_8);
        long from = request.getLeaderIndex();
        if (from == 0) {
            error(out, "INVALID_ARGUMENT", "invalid leaderIndex: leaderIndex must be greater than 0");
            return;
        }
        Optional<Table> found = tables.find(name);
        if (found.isEmpty()) {
            error(out, "NOT_FOUND", "table not found: " + name);
            return;
        }
        Table table = found.get();
        long applied = table.store().appliedIndex();
        if (from == applied + 1 && waitMs > 0) {
            awaitNewWrites(table, waitMs);
            applied = table.store().appliedIndex();
        }
        if (from > applied + 1) {
            write(out, replicateError(ReplicateError.LEADER_BEHIND));
            return;
        }
        if (from <= applied && from < table.logStartIndex()) {
            write(out, replicateError(ReplicateError.USE_SNAPSHOT));
            return;
        }
        ReplicateCommandsResponse.Builder batch = ReplicateCommandsResponse.newBuilder();
        long bytes = 0;
        long[][] revisions = null;
        long revisionsFrom = from;
        LongFunction<LogEntryProto> log = table.logCursor();
        for (long i = from; i <= applied; i++) {
            if (revisions == null || i - revisionsFrom >= revisions.length) {
                // one store read per chunk of entries, not one per entry
                revisionsFrom = i;
                revisions = table.store().entryRevisions(i, Math.min(applied, i + REVISIONS_CHUNK - 1));
            }
            List<ReplicateCommand> commands = LeaderLog.commandsAt(log, i, revisions[(int) (i - revisionsFrom)]);
            if (commands == null) {
                // purged between the check and the read
                flush(out, batch, applied);
                write(out, replicateError(ReplicateError.USE_SNAPSHOT));
                return;
            }
            long size = commands.stream().mapToLong(ReplicateCommand::getSerializedSize).sum();
            if (batch.getCommandsCount() > 0 && bytes + size > budget) {
                flush(out, batch, applied);
                batch = ReplicateCommandsResponse.newBuilder();
                bytes = 0;
            }
            batch.addAllCommands(commands);
            bytes += size;
        }
        flush(out, batch, applied);
        write(out, ReplicationFrame.newBuilder().setReplicate(ReplicateResponse.newBuilder()
                .setLeaderIndex(table.store().appliedIndex())).build());
    }

    /** Holds a caught-up request until the table's next write is applied here, or the wait is over. */
    private static void awaitNewWrites(Table table, long waitMs) throws IOException {
        java.util.concurrent.CompletableFuture<Void> next = table.awaitRevision(table.store().revision() + 1);
        try {
            next.get(waitMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            next.cancel(false); // nothing new: the answer says so
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("table " + table.name() + ": waiting for new writes failed: " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for new writes to " + table.name());
        }
    }

    private static void flush(OutputStream out, ReplicateCommandsResponse.Builder batch, long applied) throws IOException {
        if (batch.getCommandsCount() > 0) {
            write(out, ReplicationFrame.newBuilder().setReplicate(ReplicateResponse.newBuilder()
                    .setLeaderIndex(applied).setCommandsResponse(batch)).build());
        }
    }

    /**
     * Streams every version of one consistent view of the table as LOAD commands, then one
     * LOAD_COMMIT: the follower stages them and swaps them in at once when the commit arrives.
     */
    private void snapshot(String name, OutputStream out) throws IOException {
        Optional<Table> found = tables.find(name);
        if (found.isEmpty()) {
            error(out, "NOT_FOUND", "table not found: " + name);
            return;
        }
        Table table = found.get();
        AtomicLong count = new AtomicLong();
        SnapshotPoint point;
        try {
            point = table.store().exportVersions(SNAPSHOT_BATCH_BYTES,
                    (at, versions) -> write(out, load(Command.CommandType.LOAD, at, 0, versions)), count);
        } catch (io.armadakv.node.storage.RestoreInProgressException e) {
            // checked before the first LOAD is written: the replicator retries later
            error(out, "UNAVAILABLE", e.getMessage());
            return;
        }
        write(out, load(Command.CommandType.LOAD_COMMIT, point, count.get(), List.of()));
    }

    private static ReplicationFrame load(Command.CommandType type, SnapshotPoint point, long versions,
                                         List<VersionRecord> batch) {
        Command.Builder c = Command.newBuilder().setType(type).setLoad(Mvcc.SnapshotLoad.newBuilder()
                .setLeaderIndex(point.leaderIndex()).setRevision(point.revision())
                .setCompactedRevision(point.compactedRevision()).setVersions(versions));
        if (type == Command.CommandType.LOAD_COMMIT) {
            c.setLeaderIndex(point.leaderIndex());
        }
        for (VersionRecord v : batch) {
            Mvcc.KeyValue.Builder kv = Mvcc.KeyValue.newBuilder().setKey(ByteString.copyFrom(v.key()))
                    .setModRevision(v.modRevision()).setCreateRevision(v.createRevision()).setVersion(v.version());
            if (!v.isDeletion()) {
                kv.setValue(ByteString.copyFrom(v.value()));
            }
            c.addBatch(kv);
        }
        return ReplicationFrame.newBuilder().setReplicate(ReplicateResponse.newBuilder()
                .setLeaderIndex(point.leaderIndex())
                .setCommandsResponse(ReplicateCommandsResponse.newBuilder()
                        .addCommands(ReplicateCommand.newBuilder().setLeaderIndex(point.leaderIndex()).setCommand(c))))
                .build();
    }

    private static ReplicationFrame replicateError(ReplicateError error) {
        return ReplicationFrame.newBuilder().setReplicate(ReplicateResponse.newBuilder()
                .setErrorResponse(ReplicateErrResponse.newBuilder().setError(error))).build();
    }

    private static void error(OutputStream out, String code, String message) throws IOException {
        write(out, ReplicationFrame.newBuilder().setError(StreamError.newBuilder().setCode(code).setMessage(message))
                .build());
    }

    private static void write(OutputStream out, ReplicationFrame frame) throws IOException {
        frame.writeDelimitedTo(out);
    }
}
