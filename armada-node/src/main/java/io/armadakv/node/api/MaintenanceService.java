package io.armadakv.node.api;

import com.google.protobuf.ByteString;
import io.armadakv.node.ArmadaNode;
import io.armadakv.node.backup.BackupEntry;
import io.armadakv.node.backup.BackupFormatException;
import io.armadakv.node.backup.BackupReader;
import io.armadakv.node.backup.BackupWriter;
import io.armadakv.node.storage.Bytes;
import io.armadakv.node.storage.KeyRange;
import io.armadakv.node.storage.KeyValue;
import io.armadakv.node.storage.RangeIterator;
import io.armadakv.node.storage.RangeQuery;
import io.armadakv.node.storage.RangeResult;
import io.armadakv.node.table.Table;
import io.armadakv.node.table.TableExistsException;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import maintenance.v1.MaintenanceGrpc;
import maintenance.v1.MaintenanceOuterClass.BackupRequest;
import maintenance.v1.MaintenanceOuterClass.ResetRequest;
import maintenance.v1.MaintenanceOuterClass.ResetResponse;
import maintenance.v1.MaintenanceOuterClass.RestoreMessage;
import maintenance.v1.MaintenanceOuterClass.RestoreResponse;
import mvcc.v1.Mvcc;
import mvcc.v1.Mvcc.Command;
import replication.v1.Replication.SnapshotChunk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * maintenance.v1.Maintenance (API.md M-1..M-3). On the leader cluster Backup streams one
 * consistent view of a table in the RP-5 format and Restore replaces a table's content with a
 * backup, through the table's Raft log so every node (and every follower cluster) applies it:
 * the keys are staged in batches, invisible, then one commit entry swaps them in at one new
 * revision. On a follower cluster Reset makes a table reload from a leader snapshot.
 */
@Dependent
public class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase implements BlockingService {

    private static final Logger LOG = Logger.getLogger(MaintenanceService.class.getName());
    /** Backup and Restore run this long at most when the client set no deadline (API.md section 5). */
    static final long DEFAULT_STREAM_DEADLINE_MS = TimeUnit.HOURS.toMillis(1);
    /** Reset waits this long per table (API.md section 5). */
    static final long RESET_DEADLINE_MS = 5_000;

    /** Backups and restores block on flow control and on Raft: never on a gRPC thread. */
    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(Thread.ofPlatform().daemon()
            .name("armada-maintenance-", 0).factory());
    /** Tables a restore is running into on this node: a second one would only drop the first's staging. */
    private static final java.util.Set<String> RESTORING = ConcurrentHashMap.newKeySet();

    @Inject
    ArmadaNode node;

    @Override
    public void backup(BackupRequest request, StreamObserver<SnapshotChunk> observer) {
        if (node.nodeConfig().follower()) {
            observer.onError(unimplemented("Backup", "follower"));
            return;
        }
        String name = request.getTable().toString(StandardCharsets.UTF_8);
        Optional<Table> found = node.tables().find(name);
        if (found.isEmpty()) {
            observer.onError(Status.UNKNOWN.withDescription("table not found").asRuntimeException());
            return;
        }
        ServerCallStreamObserver<SnapshotChunk> call = (ServerCallStreamObserver<SnapshotChunk>) observer;
        ChunkOutputStream chunks = new ChunkOutputStream(call, deadlineNanos());
        WORKERS.execute(() -> runBackup(found.get(), call, chunks));
    }

    private void runBackup(Table table, ServerCallStreamObserver<SnapshotChunk> call, ChunkOutputStream chunks) {
        long started = System.nanoTime();
        try {
            // everything the group committed before the call is in the view read below
            table.linearizableBarrier().get(node.nodeConfig().defaultTimeoutMs(), TimeUnit.MILLISECONDS);
            long revision;
            long keys;
            RangeQuery all = RangeQuery.of(KeyRange.all()).withMaxBytes(ChunkOutputStream.CHUNK_BYTES);
            try (RangeIterator pages = table.iterate(all); BackupWriter out = new BackupWriter(chunks, table.name())) {
                revision = -1;
                while (pages.hasNext()) {
                    RangeResult page = pages.next();
                    revision = page.revision();
                    for (KeyValue kv : page.kvs()) {
                        out.write(kv.key(), kv.value());
                    }
                }
                keys = out.records();
            }
            call.onCompleted();
            LOG.info("table " + table.name() + ": backup of " + keys + " keys at revision " + revision + " sent ("
                    + chunks.sent() + " bytes, " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms)");
        } catch (ChunkOutputStream.ClientGoneException e) {
            LOG.info("table " + table.name() + ": backup stopped: " + e.getMessage());
            fail(call, e.status().asRuntimeException());
        } catch (Exception e) {
            LOG.log(Level.WARNING, "table " + table.name() + ": backup failed: " + e);
            fail(call, ApiErrors.toStatus(e));
        }
    }

    @Override
    public StreamObserver<RestoreMessage> restore(StreamObserver<RestoreResponse> observer) {
        if (node.nodeConfig().follower()) {
            observer.onError(unimplemented("Restore", "follower"));
            return new DiscardingObserver<>();
        }
        ServerCallStreamObserver<RestoreResponse> call = (ServerCallStreamObserver<RestoreResponse>) observer;
        call.disableAutoRequest();
        call.request(1);
        return new RestoreStream(call, deadlineNanos());
    }

    /** Receives a restore stream: the info, then chunks that feed the restore running on a worker. */
    private final class RestoreStream implements StreamObserver<RestoreMessage> {
        private final ServerCallStreamObserver<RestoreResponse> call;
        private final ChunkInputStream data;
        private boolean started;
        private boolean failed;

        RestoreStream(ServerCallStreamObserver<RestoreResponse> call, long deadlineNanos) {
            this.call = call;
            this.data = new ChunkInputStream(() -> call.request(1), deadlineNanos);
            call.setOnCancelHandler(() -> data.fail(new IOException("the client cancelled the restore")));
        }

        @Override
        public void onNext(RestoreMessage message) {
            if (failed) {
                return;
            }
            if (!started) {
                if (!message.hasInfo()) {
                    failed = true;
                    call.onError(Status.UNKNOWN.withDescription("first message should contain info").asRuntimeException());
                    return;
                }
                started = true;
                String table = message.getInfo().getTable().toString(StandardCharsets.UTF_8);
                call.request(2); // the first chunks, while the table is looked up or created
                WORKERS.execute(() -> runRestore(table, data, call));
                return;
            }
            if (!message.hasChunk()) {
                failed = true;
                data.fail(new MessageOrderException("chunk expected"));
                return;
            }
            data.add(message.getChunk().getData());
        }

        @Override
        public void onError(Throwable t) {
            data.fail(new IOException("the restore stream failed: " + t.getMessage()));
        }

        @Override
        public void onCompleted() {
            if (!started) {
                if (!failed) {
                    call.onError(Status.UNKNOWN.withDescription("first message should contain info").asRuntimeException());
                }
                return;
            }
            data.end();
        }
    }

    private void runRestore(String name, ChunkInputStream data, ServerCallStreamObserver<RestoreResponse> call) {
        try {
            TablesService.validName(name);
        } catch (StatusRuntimeException e) {
            fail(call, e);
            return;
        }
        if (!RESTORING.add(name)) {
            fail(call, Status.FAILED_PRECONDITION.withDescription("table " + name
                    + ": a restore into it is already running on this node").asRuntimeException());
            return;
        }
        long restoreId = 0;
        Table table = null;
        long revision = -1;
        try {
            table = tableForRestore(name);
            while (restoreId == 0) {
                restoreId = java.util.concurrent.ThreadLocalRandom.current().nextLong();
            }
            RestoreLoad load = load(table, restoreId, data);
            revision = commit(table, restoreId, load.keys());
            LOG.info("table " + name + ": restored " + load.keys() + " keys (" + load.entries() + " staging entries) at revision "
                    + revision);
            call.onNext(RestoreResponse.getDefaultInstance());
            call.onCompleted();
        } catch (Exception e) {
            if (revision >= 0) {
                LOG.info("table " + name + ": restored, but the client could not be told: " + e);
                return;
            }
            LOG.log(Level.WARNING, "table " + name + ": restore failed, the table is unchanged: " + e.getMessage());
            if (table != null && restoreId != 0) {
                abort(table, restoreId);
            }
            fail(call, restoreStatus(data.failure() != null ? data.failure() : e));
        } finally {
            RESTORING.remove(name);
        }
    }

    private Table tableForRestore(String name) throws Exception {
        Optional<Table> found = node.tables().find(name);
        if (found.isPresent()) {
            return found.get();
        }
        try {
            node.tables().create(name, com.google.protobuf.Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TableExistsException)) {
                throw e;
            }
        }
        return node.tables().table(name);
    }

    private record RestoreLoad(long keys, long entries) {
    }

    /**
     * Reads the backup and stages it in entries of about {@code raft.max-batch-bytes} (one record
     * alone when larger), one in flight at a time: memory holds one batch, whatever the backup's size.
     */
    private RestoreLoad load(Table table, long restoreId, ChunkInputStream data) throws Exception {
        int batchBytes = node.nodeConfig().maxBatchBytes();
        int maxKey = node.nodeConfig().maxKeySize();
        int maxValue = node.nodeConfig().maxValueSize();
        long keys = 0;
        long entries = 0;
        byte[] previous = null;
        List<Mvcc.KeyValue> batch = new ArrayList<>();
        long bytes = 0;
        try (BackupReader reader = new BackupReader(data, "restore of table " + table.name())) {
            BackupEntry e;
            while ((e = reader.next()) != null) {
                keys++;
                checkEntry(table.name(), keys, e, previous, maxKey, maxValue);
                previous = e.key();
                long size = e.key().length + e.value().length + 16L;
                if (!batch.isEmpty() && bytes + size > batchBytes) {
                    stage(table, restoreId, batch);
                    entries++;
                    batch = new ArrayList<>();
                    bytes = 0;
                }
                batch.add(Mvcc.KeyValue.newBuilder().setKey(ByteString.copyFrom(e.key()))
                        .setValue(ByteString.copyFrom(e.value())).build());
                bytes += size;
            }
        }
        if (!batch.isEmpty()) {
            stage(table, restoreId, batch);
            entries++;
        }
        return new RestoreLoad(keys, entries);
    }

    /** Keys must be valid for a Put and strictly ascending, as a backup writes them: then each is staged once. */
    private static void checkEntry(String table, long n, BackupEntry e, byte[] previous, int maxKey, int maxValue)
            throws BackupFormatException {
        if (e.key().length == 0) {
            throw new BackupFormatException("table " + table + ": record " + n + " has an empty key");
        }
        if (e.key().length > maxKey) {
            throw new BackupFormatException("table " + table + ": key " + Bytes.abbreviate(e.key()) + " of record " + n
                    + " is " + e.key().length + " bytes, over the limit of " + maxKey + " (api.max-key-size)");
        }
        if (e.value().length > maxValue) {
            throw new BackupFormatException("table " + table + ": value of key " + Bytes.abbreviate(e.key())
                    + " is " + e.value().length + " bytes, over the limit of " + maxValue + " (api.max-value-size)");
        }
        if (previous != null && java.util.Arrays.compareUnsigned(previous, e.key()) >= 0) {
            throw new BackupFormatException("table " + table + ": key " + Bytes.abbreviate(e.key()) + " of record " + n
                    + " does not follow " + Bytes.abbreviate(previous) + " in ascending order");
        }
    }

    private void stage(Table table, long restoreId, List<Mvcc.KeyValue> batch) throws Exception {
        Command c = Command.newBuilder().setTable(ByteString.copyFromUtf8(table.name()))
                .setType(Command.CommandType.RESTORE).setRestoreId(restoreId).addAllBatch(batch).build();
        table.proposeAlone(c).get(node.nodeConfig().defaultTimeoutMs() * 6, TimeUnit.MILLISECONDS);
    }

    /** The swap: one entry, applied on every node at once; returns the revision it got. */
    private long commit(Table table, long restoreId, long keys) throws Exception {
        Command c = Command.newBuilder().setTable(ByteString.copyFromUtf8(table.name()))
                .setType(Command.CommandType.RESTORE_COMMIT).setRestoreId(restoreId)
                .setLoad(Mvcc.SnapshotLoad.newBuilder().setVersions(keys)).build();
        return table.proposeAlone(c).get(node.nodeConfig().defaultTimeoutMs() * 6, TimeUnit.MILLISECONDS).getRevision();
    }

    /** Best effort: a staged restore left behind only delays follower snapshots until the next restore. */
    private void abort(Table table, long restoreId) {
        Command c = Command.newBuilder().setTable(ByteString.copyFromUtf8(table.name()))
                .setType(Command.CommandType.RESTORE_ABORT).setRestoreId(restoreId).build();
        try {
            table.proposeAlone(c).get(node.nodeConfig().defaultTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "table " + table.name() + ": dropping the staged restore failed: " + e);
        }
    }

    private static StatusRuntimeException restoreStatus(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
        return switch (cause) {
            case MessageOrderException m -> Status.UNKNOWN.withDescription(m.getMessage()).asRuntimeException();
            case BackupFormatException f -> Status.INVALID_ARGUMENT.withDescription(f.getMessage()).asRuntimeException();
            case java.util.concurrent.TimeoutException t -> Status.DEADLINE_EXCEEDED
                    .withDescription("restore: a Raft entry was not applied in time").asRuntimeException();
            case IOException io -> Status.CANCELLED.withDescription(io.getMessage()).asRuntimeException();
            default -> ApiErrors.toStatus(cause);
        };
    }

    @Override
    public void reset(ResetRequest request, StreamObserver<ResetResponse> observer) {
        if (!node.nodeConfig().follower()) {
            observer.onError(unimplemented("Reset", "leader"));
            return;
        }
        List<Table> tables;
        if (request.getResetAll()) {
            tables = node.tables().tables();
        } else if (request.getTable().isEmpty()) {
            observer.onError(ApiErrors.invalid("table must be set"));
            return;
        } else {
            Optional<Table> found = node.tables().find(request.getTable().toString(StandardCharsets.UTF_8));
            if (found.isEmpty()) {
                observer.onError(Status.UNKNOWN.withDescription("table not found").asRuntimeException());
                return;
            }
            tables = List.of(found.get());
        }
        WORKERS.execute(() -> {
            try {
                for (Table t : tables) {
                    Command reset = Command.newBuilder().setTable(ByteString.copyFromUtf8(t.name()))
                            .setType(Command.CommandType.DUMMY).setLeaderIndex(0).build();
                    t.replicate(reset, 0).get(RESET_DEADLINE_MS, TimeUnit.MILLISECONDS);
                    LOG.info("table " + t.name() + ": reset; it reloads from a leader snapshot");
                }
                observer.onNext(ResetResponse.getDefaultInstance());
                observer.onCompleted();
            } catch (Exception e) {
                Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
                fail(observer, cause instanceof java.util.concurrent.TimeoutException
                        ? Status.DEADLINE_EXCEEDED.withDescription("reset: not applied within " + RESET_DEADLINE_MS
                        + " ms").asRuntimeException() : ApiErrors.toStatus(cause));
            }
        });
    }

    private static long deadlineNanos() {
        Deadline d = Context.current().getDeadline();
        long ms = d == null ? DEFAULT_STREAM_DEADLINE_MS : Math.max(0, d.timeRemaining(TimeUnit.MILLISECONDS));
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    }

    private static StatusRuntimeException unimplemented(String method, String role) {
        return Status.UNIMPLEMENTED.withDescription("method " + method + " not implemented for " + role)
                .asRuntimeException();
    }

    private static <T> void fail(StreamObserver<T> observer, StatusRuntimeException status) {
        try {
            observer.onError(status);
        } catch (IllegalStateException alreadyClosed) {
            // the call ended (cancelled) before the answer
        }
    }

    /** The client broke M-2's message order. */
    private static final class MessageOrderException extends IOException {
        MessageOrderException(String message) {
            super(message);
        }
    }

    private static final class DiscardingObserver<T> implements StreamObserver<T> {
        @Override
        public void onNext(T value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
