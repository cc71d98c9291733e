package io.armadakv.bench.driver;

import com.google.protobuf.ByteString;
import io.armadakv.bench.etcd.pb.Compare;
import io.armadakv.bench.etcd.pb.KVGrpc;
import io.armadakv.bench.etcd.pb.PutRequest;
import io.armadakv.bench.etcd.pb.RangeRequest;
import io.armadakv.bench.etcd.pb.RangeResponse;
import io.armadakv.bench.etcd.pb.RequestOp;
import io.armadakv.bench.etcd.pb.TxnRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * The workloads' operations on etcd's v3 KV API. etcd has one key space, so there is no table;
 * it has no streaming range either, so {@link #iterate} reads the range in one Range, as
 * etcdctl get --prefix does.
 */
final class EtcdDriver implements KvDriver {

    private final Channels channels;
    private final List<KVGrpc.KVStub> stubs = new ArrayList<>();

    EtcdDriver(Channels channels) {
        this.channels = channels;
        for (int i = 0; i < channels.size(); i++) {
            stubs.add(KVGrpc.newStub(channels.get(i)));
        }
    }

    @Override
    public String system() {
        return "etcd";
    }

    @Override
    public void prepare() {
        // one key space, nothing to create
    }

    private KVGrpc.KVStub kv(int connection) {
        return stubs.get(Math.floorMod(connection, stubs.size()));
    }

    @Override
    public void put(int connection, ByteString key, ByteString value, Callback<Void> callback) {
        kv(connection).put(PutRequest.newBuilder().setKey(key).setValue(value).build(),
                new Unary<>(callback, r -> null));
    }

    @Override
    public void get(int connection, ByteString key, boolean linearizable, Callback<Integer> callback) {
        kv(connection).range(RangeRequest.newBuilder().setKey(key).setSerializable(!linearizable).build(),
                new Unary<>(callback, RangeResponse::getKvsCount));
    }

    @Override
    public void scan(int connection, ByteString from, ByteString to, int limit, boolean linearizable,
                     Callback<Integer> callback) {
        kv(connection).range(RangeRequest.newBuilder().setKey(from).setRangeEnd(to).setLimit(limit)
                .setSerializable(!linearizable).build(), new Unary<>(callback, RangeResponse::getKvsCount));
    }

    @Override
    public void compareAndSwap(int connection, ByteString key, ByteString expected, ByteString next,
                               Callback<CasResult> callback) {
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL).setValue(expected))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setValue(next)))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
                .build();
        kv(connection).txn(txn, new Unary<>(callback, r -> r.getSucceeded()
                ? new CasResult(true, next)
                : new CasResult(false, r.getResponses(0).getResponseRange().getKvsCount() == 0
                        ? ByteString.EMPTY
                        : r.getResponses(0).getResponseRange().getKvs(0).getValue())));
    }

    @Override
    public void iterate(int connection, ByteString from, ByteString to, Callback<Long> callback) {
        kv(connection).range(RangeRequest.newBuilder().setKey(from).setRangeEnd(to).build(),
                new Unary<>(callback, r -> (long) r.getKvsCount()));
    }

    @Override
    public void close() {
        channels.close();
    }
}
