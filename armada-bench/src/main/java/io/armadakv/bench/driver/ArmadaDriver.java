package io.armadakv.bench.driver;

import armada.v1.CreateTableRequest;
import armada.v1.KVGrpc;
import armada.v1.ListTablesRequest;
import armada.v1.PutRequest;
import armada.v1.RangeRequest;
import armada.v1.RangeResponse;
import armada.v1.TablesGrpc;
import armada.v1.TxnRequest;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import mvcc.v1.Mvcc;

import java.util.ArrayList;
import java.util.List;

/** The workloads' operations on Armada's regatta.v1 API, all in one table. */
final class ArmadaDriver implements KvDriver {

    private final Channels channels;
    private final String tableName;
    private final ByteString table;
    private final List<KVGrpc.KVStub> stubs = new ArrayList<>();

    ArmadaDriver(Channels channels, String table) {
        this.channels = channels;
        this.tableName = table;
        this.table = ByteString.copyFromUtf8(table);
        for (int i = 0; i < channels.size(); i++) {
            stubs.add(KVGrpc.newStub(channels.get(i)));
        }
    }

    @Override
    public String system() {
        return "armada";
    }

    @Override
    public void prepare() {
        TablesGrpc.TablesBlockingStub tables = TablesGrpc.newBlockingStub(channels.get(0));
        boolean exists = tables.list(ListTablesRequest.getDefaultInstance()).getTablesList().stream()
                .anyMatch(t -> t.getName().equals(tableName));
        if (!exists) {
            try {
                tables.create(CreateTableRequest.newBuilder().setName(tableName).build());
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                    throw e;
                }
            }
        }
    }

    private KVGrpc.KVStub kv(int connection) {
        return stubs.get(Math.floorMod(connection, stubs.size()));
    }

    @Override
    public void put(int connection, ByteString key, ByteString value, Callback<Void> callback) {
        kv(connection).put(PutRequest.newBuilder().setTable(table).setKey(key).setValue(value).build(),
                new Unary<>(callback, r -> null));
    }

    @Override
    public void get(int connection, ByteString key, boolean linearizable, Callback<Integer> callback) {
        kv(connection).range(RangeRequest.newBuilder().setTable(table).setKey(key).setLinearizable(linearizable)
                .build(), new Unary<>(callback, RangeResponse::getKvsCount));
    }

    @Override
    public void scan(int connection, ByteString from, ByteString to, int limit, boolean linearizable,
                     Callback<Integer> callback) {
        kv(connection).range(RangeRequest.newBuilder().setTable(table).setKey(from).setRangeEnd(to)
                .setLimit(limit).setLinearizable(linearizable).build(),
                new Unary<>(callback, RangeResponse::getKvsCount));
    }

    @Override
    public void compareAndSwap(int connection, ByteString key, ByteString expected, ByteString next,
                               Callback<CasResult> callback) {
        TxnRequest txn = TxnRequest.newBuilder().setTable(table)
                .addCompare(Mvcc.Compare.newBuilder().setKey(key).setTarget(Mvcc.Compare.CompareTarget.VALUE)
                        .setResult(Mvcc.Compare.CompareResult.EQUAL).setValue(expected))
                .addSuccess(Mvcc.RequestOp.newBuilder().setRequestPut(
                        Mvcc.RequestOp.Put.newBuilder().setKey(key).setValue(next)))
                .addFailure(Mvcc.RequestOp.newBuilder().setRequestRange(
                        Mvcc.RequestOp.Range.newBuilder().setKey(key)))
                .build();
        kv(connection).txn(txn, new Unary<>(callback, r -> r.getSucceeded()
                ? new CasResult(true, next)
                : new CasResult(false, r.getResponses(0).getResponseRange().getKvsCount() == 0
                        ? ByteString.EMPTY
                        : r.getResponses(0).getResponseRange().getKvs(0).getValue())));
    }

    @Override
    public void iterate(int connection, ByteString from, ByteString to, Callback<Long> callback) {
        kv(connection).iterateRange(RangeRequest.newBuilder().setTable(table).setKey(from).setRangeEnd(to).build(),
                new StreamObserver<>() {
                    private long keys;

                    @Override
                    public void onNext(RangeResponse value) {
                        keys += value.getKvsCount();
                    }

                    @Override
                    public void onError(Throwable t) {
                        callback.failed(t);
                    }

                    @Override
                    public void onCompleted() {
                        callback.done(keys);
                    }
                });
    }

    @Override
    public void close() {
        channels.close();
    }
}
