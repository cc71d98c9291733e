package io.armadakv.node.api;

import armada.v1.DeleteRangeRequest;
import armada.v1.DeleteRangeResponse;
import armada.v1.KVGrpc;
import armada.v1.PutRequest;
import armada.v1.PutResponse;
import armada.v1.RangeRequest;
import armada.v1.RangeResponse;
import armada.v1.ResponseHeader;
import armada.v1.TxnRequest;
import armada.v1.TxnResponse;
import com.google.protobuf.ByteString;
import io.armadakv.node.ArmadaNode;
import io.armadakv.node.storage.KeyRange;
import io.armadakv.node.storage.RangeIterator;
import io.armadakv.node.storage.RangeQuery;
import io.armadakv.node.storage.RangeResult;
import io.armadakv.node.storage.TxnResult;
import io.armadakv.node.table.KvProtos;
import io.armadakv.node.table.Table;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import mvcc.v1.Mvcc;
import mvcc.v1.Mvcc.Command;
import mvcc.v1.Mvcc.CommandResult;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** regatta.v1.KV: validates each request, then reads the table's store or proposes a command. */
@Dependent
public class KvService extends KVGrpc.KVImplBase {

    @Inject
    ArmadaNode node;

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
        try {
            String tableName = validateRange(request, false);
            Table table = table(tableName);
            RangeQuery query = query(request).withMaxBytes(RequestLimits.MAX_RANGE_BYTES);
            afterBarrier(table, request.getLinearizable(), () -> table.range(query))
                    .whenComplete((result, error) -> {
                        if (error != null) {
                            observer.onError(ApiErrors.toStatus(error));
                            return;
                        }
                        RangeResponse response;
                        try {
                            response = checkedPage(table, request, rangeResponse(table, result));
                        } catch (RuntimeException e) {
                            observer.onError(ApiErrors.toStatus(e));
                            return;
                        }
                        observer.onNext(response);
                        observer.onCompleted();
                    });
        } catch (RuntimeException e) {
            observer.onError(ApiErrors.toStatus(e));
        }
    }

    @Override
    public void iterateRange(RangeRequest request, StreamObserver<RangeResponse> responseObserver) {
        ServerCallStreamObserver<RangeResponse> observer = (ServerCallStreamObserver<RangeResponse>) responseObserver;
        try {
            String tableName = validateRange(request, true);
            Table table = table(tableName);
            RangeQuery query = query(request).withMaxBytes(RequestLimits.MAX_RANGE_BYTES);
            // handlers must be set before this method returns; the iterator may come later (linearizable)
            PageStreamer streamer = new PageStreamer(table, request, observer);
            afterBarrier(table, request.getLinearizable(), () -> table.iterate(query))
                    .whenComplete((iterator, error) -> {
                        if (error != null) {
                            streamer.fail(error);
                        } else {
                            streamer.start(iterator);
                        }
                    });
        } catch (RuntimeException e) {
            observer.onError(ApiErrors.toStatus(e));
        }
    }

    /** Sends pages as the client takes them, so a large range never piles up in memory. */
    private final class PageStreamer {
        private final Table table;
        private final RangeRequest request;
        private final ServerCallStreamObserver<RangeResponse> observer;
        private RangeIterator iterator;
        private boolean done;

        PageStreamer(Table table, RangeRequest request, ServerCallStreamObserver<RangeResponse> observer) {
            this.table = table;
            this.request = request;
            this.observer = observer;
            observer.setOnCancelHandler(this::finish);
            observer.setOnReadyHandler(this::pump);
        }

        synchronized void start(RangeIterator pages) {
            if (done) {
                pages.close(); // cancelled while the barrier ran
                return;
            }
            iterator = pages;
            pump();
        }

        synchronized void fail(Throwable error) {
            if (!done) {
                done = true;
                observer.onError(ApiErrors.toStatus(error));
            }
        }

        private synchronized void pump() {
            if (iterator == null) {
                return;
            }
            try {
                while (!done && observer.isReady() && iterator.hasNext()) {
                    observer.onNext(checkedPage(table, request, rangeResponse(table, iterator.next())));
                }
                if (!done && !iterator.hasNext()) {
                    finish();
                    observer.onCompleted();
                }
            } catch (RuntimeException e) {
                if (!done) {
                    finish();
                    observer.onError(ApiErrors.toStatus(e));
                }
            }
        }

        private synchronized void finish() {
            if (!done) {
                done = true;
                if (iterator != null) {
                    iterator.close();
                }
            }
        }
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        if (node.forwarder() != null) {
            node.forwarder().forward(request.getTable().toStringUtf8(), request, KVGrpc.KVFutureStub::put,
                    PutResponse::getHeader, observer);
            return;
        }
        try {
            String tableName = requireTable(request.getTable());
            requireKey(request.getKey());
            Table table = table(tableName);
            limits().checkKey(tableName, "key", request.getKey());
            limits().checkValue(tableName, request.getKey(), request.getValue());
            Command command = Command.newBuilder()
                    .setType(Command.CommandType.PUT)
                    .setTable(request.getTable())
                    .setKv(Mvcc.KeyValue.newBuilder().setKey(request.getKey()).setValue(request.getValue()))
                    .setPrevKvs(request.getPrevKv())
                    .build();
            write(table, command, observer, result -> {
                PutResponse.Builder b = PutResponse.newBuilder().setHeader(header(table, result.getRevision()));
                Mvcc.ResponseOp.Put put = result.getResponses(0).getResponsePut();
                if (put.hasPrevKv()) {
                    b.setPrevKv(put.getPrevKv());
                }
                return b.build();
            });
        } catch (RuntimeException e) {
            observer.onError(ApiErrors.toStatus(e));
        }
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
        if (node.forwarder() != null) {
            node.forwarder().forward(request.getTable().toStringUtf8(), request, KVGrpc.KVFutureStub::deleteRange,
                    DeleteRangeResponse::getHeader, observer);
            return;
        }
        try {
            String tableName = requireTable(request.getTable());
            requireKey(request.getKey());
            Table table = table(tableName);
            limits().checkKey(tableName, "key", request.getKey());
            limits().checkKey(tableName, "range_end", request.getRangeEnd());
            if (request.getPrevKv()) {
                checkPrevKvsFit(table, request);
            }
            Command.Builder command = Command.newBuilder()
                    .setType(Command.CommandType.DELETE)
                    .setTable(request.getTable())
                    .setKv(Mvcc.KeyValue.newBuilder().setKey(request.getKey()))
                    .setPrevKvs(request.getPrevKv())
                    .setCount(request.getCount());
            if (!request.getRangeEnd().isEmpty()) {
                command.setRangeEnd(request.getRangeEnd());
            }
            write(table, command.build(), observer, result -> {
                Mvcc.ResponseOp.DeleteRange d = result.getResponses(0).getResponseDeleteRange();
                return DeleteRangeResponse.newBuilder()
                        .setHeader(header(table, result.getRevision()))
                        .setDeleted(d.getDeleted())
                        .addAllPrevKvs(d.getPrevKvsList())
                        .build();
            });
        } catch (RuntimeException e) {
            observer.onError(ApiErrors.toStatus(e));
        }
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
        if (node.forwarder() != null && writes(request)) {
            node.forwarder().forward(request.getTable().toStringUtf8(), request, KVGrpc.KVFutureStub::txn,
                    TxnResponse::getHeader, observer);
            return;
        }
        try {
            String tableName = requireTable(request.getTable());
            Mvcc.Txn txn = Mvcc.Txn.newBuilder()
                    .addAllCompare(request.getCompareList())
                    .addAllSuccess(request.getSuccessList())
                    .addAllFailure(request.getFailureList())
                    .build();
            TxnValidator.validate(tableName, txn, limits());
            Table table = table(tableName);
            io.armadakv.node.storage.TxnRequest storeTxn = KvProtos.txn(txn, RequestLimits.MAX_RANGE_BYTES);
            if (storeTxn.isReadOnly()) {
                // read-only: no log entry, one consistent view after a ReadIndex round (API.md T-2)
                afterBarrier(table, true, () -> table.readTxn(storeTxn)).whenComplete((result, error) -> {
                    if (error != null) {
                        observer.onError(ApiErrors.toStatus(error));
                        return;
                    }
                    TxnResponse response;
                    try {
                        response = txnResponse(table, result);
                        limits().checkResponse(tableName, "the result of the read-only Txn",
                                response.getSerializedSize());
                    } catch (RuntimeException e) {
                        observer.onError(ApiErrors.toStatus(e));
                        return;
                    }
                    observer.onNext(response);
                    observer.onCompleted();
                });
                return;
            }
            checkTxnResultFits(table, txn);
            Command command = Command.newBuilder()
                    .setType(Command.CommandType.TXN)
                    .setTable(request.getTable())
                    .setTxn(txn)
                    .build();
            write(table, command, observer, result -> TxnResponse.newBuilder()
                    .setHeader(header(table, result.getRevision()))
                    .setSucceeded(result.getSucceeded())
                    .addAllResponses(result.getResponsesList())
                    .build());
        } catch (RuntimeException e) {
            observer.onError(ApiErrors.toStatus(e));
        }
    }

    /** Whether either branch writes: only then does a follower forward the Txn. */
    private static boolean writes(TxnRequest request) {
        return java.util.stream.Stream.concat(request.getSuccessList().stream(), request.getFailureList().stream())
                .anyMatch(op -> op.hasRequestPut() || op.hasRequestDeleteRange());
    }

    private TxnResponse txnResponse(Table table, TxnResult result) {
        return TxnResponse.newBuilder()
                .setHeader(header(table, result.revision()))
                .setSucceeded(result.succeeded())
                .addAllResponses(KvProtos.toProto(result))
                .build();
    }

    private <T> void write(Table table, Command command, StreamObserver<T> observer,
                           java.util.function.Function<CommandResult, T> response) {
        withDeadline(table.write(command)).whenComplete((result, error) -> {
            if (error != null) {
                observer.onError(ApiErrors.toStatus(error));
                return;
            }
            T r;
            try {
                r = response.apply(result);
                if (r instanceof com.google.protobuf.MessageLite m) {
                    // rare: the pre-checks passed but concurrent writes grew the result before it applied
                    limits().checkResponse(table.name(), () -> "the result of the "
                            + (command.getType() == Command.CommandType.TXN ? "Txn"
                                    : command.getType() + " of key " + Keys.abbreviate(command.getKv().getKey()))
                            + " (applied at revision " + result.getRevision() + ")", m.getSerializedSize());
                }
            } catch (RuntimeException e) {
                observer.onError(ApiErrors.toStatus(e));
                return;
            }
            observer.onNext(r);
            observer.onCompleted();
        });
    }

    private <T> CompletableFuture<T> afterBarrier(Table table, boolean linearizable, Supplier<T> read) {
        if (!linearizable) {
            try {
                return CompletableFuture.completedFuture(read.get());
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return withDeadline(table.linearizableBarrier()).thenApply(ignored -> read.get());
    }

    private <T> CompletableFuture<T> withDeadline(CompletableFuture<T> future) {
        Deadline deadline = Context.current().getDeadline();
        long millis = deadline == null ? node.nodeConfig().defaultTimeoutMs()
                : Math.max(1, deadline.timeRemaining(TimeUnit.MILLISECONDS));
        return Timeouts.within(future, millis);
    }

    private RangeResponse rangeResponse(Table table, RangeResult result) {
        return RangeResponse.newBuilder()
                .setHeader(header(table, result.revision()))
                .addAllKvs(KvProtos.toProto(result.kvs()))
                .setMore(result.more())
                .setCount(result.count())
                .build();
    }

    /** A page holds at least one pair: one larger than the send limit (raised value limit) is refused, not sent. */
    private RangeResponse checkedPage(Table table, RangeRequest request, RangeResponse page) {
        limits().checkResponse(table.name(), "the range page from key " + Keys.abbreviate(page.getKvsCount() > 0
                ? page.getKvs(0).getKey() : request.getKey()), page.getSerializedSize());
        return page;
    }

    /**
     * A DeleteRange with prev_kv answers with every deleted pair. Refused before anything is
     * deleted when those pairs already take more than a response may.
     */
    private void checkPrevKvsFit(Table table, DeleteRangeRequest request) {
        if (request.getRangeEnd().isEmpty() && pairBound() <= limits().maxSendMessageSize()) {
            return; // one key's pair always fits: no read needed
        }
        if (liveBytes(table, request.getKey(), request.getRangeEnd()) > limits().maxSendMessageSize()) {
            throw limits().tooLarge(table.name(), "the prev_kvs of the DeleteRange from key "
                    + Keys.abbreviate(request.getKey()) + " (nothing was deleted: delete without prev_kv)");
        }
    }

    /**
     * A write Txn's result is known only once applied. Its parts that can be large (range ops,
     * prev_kv of puts and deletes) are first evaluated on this node's copy, so a result that will
     * not fit is refused before anything is written; the check after apply covers a race with
     * other writers.
     */
    private void checkTxnResultFits(Table table, Mvcc.Txn txn) {
        List<Boolean> successDeletes = new ArrayList<>();
        List<Boolean> failureDeletes = new ArrayList<>();
        Mvcc.Txn reads = Mvcc.Txn.newBuilder().addAllCompare(txn.getCompareList())
                .addAllSuccess(readsOf(txn.getSuccessList(), successDeletes))
                .addAllFailure(readsOf(txn.getFailureList(), failureDeletes)).build();
        if (fitsWhateverTheTableHolds(reads.getSuccessList()) && fitsWhateverTheTableHolds(reads.getFailureList())) {
            return; // e.g. a compare-and-swap: evaluating it twice per write would buy nothing
        }
        TxnResult estimate = table.readTxn(KvProtos.txn(reads, RequestLimits.MAX_RANGE_BYTES));
        List<Mvcc.RequestOp> branch = estimate.succeeded() ? reads.getSuccessList() : reads.getFailureList();
        List<Boolean> deletes = estimate.succeeded() ? successDeletes : failureDeletes;
        List<Mvcc.ResponseOp> responses = KvProtos.toProto(estimate);
        long bytes = 0;
        for (int i = 0; i < responses.size() && bytes <= limits().maxSendMessageSize(); i++) {
            Mvcc.RequestOp.Range op = branch.get(i).getRequestRange();
            // a delete's prev_kvs are complete, not cut at a page as a range op's result is
            bytes += deletes.get(i) ? liveBytes(table, op.getKey(), op.getRangeEnd())
                    : com.google.protobuf.CodedOutputStream.computeMessageSize(3, responses.get(i));
        }
        if (bytes > limits().maxSendMessageSize()) {
            throw limits().tooLarge(table.name(), "the result of the Txn (nothing was written)");
        }
    }

    /** Single-key reads answer at most one pair each, whose size the key and value limits bound. */
    private boolean fitsWhateverTheTableHolds(List<Mvcc.RequestOp> reads) {
        for (Mvcc.RequestOp op : reads) {
            if (!op.getRequestRange().getRangeEnd().isEmpty()) {
                return false;
            }
        }
        return reads.size() * pairBound() <= limits().maxSendMessageSize();
    }

    /** The most one key/value pair and its response framing can take in a response. */
    private long pairBound() {
        return (long) limits().maxKeySize() + limits().maxValueSize() + 64;
    }

    /** The read each op that can answer with pairs amounts to; {@code deletes} marks those from a DeleteRange. */
    private static List<Mvcc.RequestOp> readsOf(List<Mvcc.RequestOp> ops, List<Boolean> deletes) {
        List<Mvcc.RequestOp> reads = new ArrayList<>();
        for (Mvcc.RequestOp op : ops) {
            ByteString key;
            ByteString rangeEnd = ByteString.EMPTY;
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> {
                    reads.add(op);
                    deletes.add(false);
                    continue;
                }
                case REQUEST_PUT -> {
                    if (!op.getRequestPut().getPrevKv()) {
                        continue;
                    }
                    key = op.getRequestPut().getKey();
                }
                case REQUEST_DELETE_RANGE -> {
                    if (!op.getRequestDeleteRange().getPrevKv()) {
                        continue;
                    }
                    key = op.getRequestDeleteRange().getKey();
                    rangeEnd = op.getRequestDeleteRange().getRangeEnd();
                }
                default -> {
                    continue;
                }
            }
            reads.add(Mvcc.RequestOp.newBuilder().setRequestRange(Mvcc.RequestOp.Range.newBuilder()
                    .setKey(key).setRangeEnd(rangeEnd)).build());
            deletes.add(op.hasRequestDeleteRange());
        }
        return reads;
    }

    /**
     * The encoded size of the live pairs in a range as a repeated field, counted until it passes
     * the send limit, so at most one page past it is read.
     */
    private long liveBytes(Table table, ByteString key, ByteString rangeEnd) {
        RangeQuery query = new RangeQuery(KeyRange.of(key.toByteArray(), rangeEnd.toByteArray()),
                0, false, false, 0, 0, 0, 0, 0, RequestLimits.MAX_RANGE_BYTES);
        long bytes = 0;
        try (RangeIterator pages = table.iterate(query)) {
            while (pages.hasNext() && bytes <= limits().maxSendMessageSize()) {
                for (Mvcc.KeyValue kv : KvProtos.toProto(pages.next().kvs())) {
                    bytes += com.google.protobuf.CodedOutputStream.computeMessageSize(3, kv);
                }
            }
        }
        return bytes;
    }

    private ResponseHeader header(Table table, long revision) {
        long[] termAndLeader = table.termAndLeader();
        return ResponseHeader.newBuilder()
                .setShardId(table.id())
                .setReplicaId(node.nodeConfig().nodeId())
                .setRevision(revision)
                .setRaftTerm(termAndLeader[0])
                .setRaftLeaderId(termAndLeader[1])
                .build();
    }

    /** API.md R-1, in its order; Armada's keys may hold any byte, so there is no null-byte rule. */
    private String validateRange(RangeRequest r, boolean iterate) {
        if (r.getLimit() < 0) {
            throw ApiErrors.invalid("limit must be a positive number");
        }
        if (r.getKeysOnly() && r.getCountOnly()) {
            throw ApiErrors.invalid("keys_only and count_only must not be set at the same time");
        }
        if (r.getRevision() < 0) {
            throw ApiErrors.invalid("revision must not be negative");
        }
        String table = requireTable(r.getTable());
        if (r.getKey().isEmpty() && r.getRangeEnd().isEmpty()) {
            throw ApiErrors.invalid("key must be set");
        }
        if (node.tables().find(table).isEmpty()) {
            throw ApiErrors.tableNotFound();
        }
        limits().checkKey(table, "key", r.getKey());
        limits().checkKey(table, "range_end", r.getRangeEnd());
        return table;
    }

    private static RangeQuery query(RangeRequest r) {
        return new RangeQuery(KeyRange.of(r.getKey().toByteArray(), r.getRangeEnd().toByteArray()),
                r.getLimit(), r.getKeysOnly(), r.getCountOnly(), r.getRevision(),
                Math.max(0, r.getMinModRevision()), Math.max(0, r.getMaxModRevision()),
                Math.max(0, r.getMinCreateRevision()), Math.max(0, r.getMaxCreateRevision()), 0);
    }

    static String requireTable(ByteString table) {
        if (table.isEmpty()) {
            throw ApiErrors.invalid("table must be set");
        }
        return table.toStringUtf8();
    }

    private static void requireKey(ByteString key) {
        if (key.isEmpty()) {
            throw ApiErrors.invalid("key must be set");
        }
    }

    private Table table(String name) {
        return node.tables().find(name).orElseThrow(ApiErrors::tableNotFound);
    }

    private RequestLimits limits;

    /** Read once: the configuration does not change while the node runs. */
    private RequestLimits limits() {
        RequestLimits l = limits;
        if (l == null) {
            l = RequestLimits.of(node.nodeConfig());
            limits = l;
        }
        return l;
    }
}
