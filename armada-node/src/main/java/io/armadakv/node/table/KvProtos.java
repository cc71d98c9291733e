package io.armadakv.node.table;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.armadakv.node.storage.Compare;
import io.armadakv.node.storage.DeleteResult;
import io.armadakv.node.storage.KeyRange;
import io.armadakv.node.storage.KeyValue;
import io.armadakv.node.storage.OpResult;
import io.armadakv.node.storage.PutResult;
import io.armadakv.node.storage.RangeQuery;
import io.armadakv.node.storage.RangeResult;
import io.armadakv.node.storage.TxnOp;
import io.armadakv.node.storage.TxnRequest;
import io.armadakv.node.storage.TxnResult;
import mvcc.v1.Mvcc;

import java.util.ArrayList;
import java.util.List;

/** Translation between the mvcc.v1 wire messages and the storage layer's records. */
public final class KvProtos {

    private KvProtos() {
    }

    public static ByteString bytes(byte[] b) {
        return b == null || b.length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(b);
    }

    public static Mvcc.KeyValue toProto(KeyValue kv) {
        Mvcc.KeyValue.Builder b = Mvcc.KeyValue.newBuilder()
                .setKey(bytes(kv.key()))
                .setCreateRevision(kv.createRevision())
                .setModRevision(kv.modRevision())
                .setVersion(kv.version());
        if (kv.value() != null) {
            b.setValue(bytes(kv.value()));
        }
        return b.build();
    }

    public static List<Mvcc.KeyValue> toProto(List<KeyValue> kvs) {
        List<Mvcc.KeyValue> out = new ArrayList<>(kvs.size());
        for (KeyValue kv : kvs) {
            out.add(toProto(kv));
        }
        return out;
    }

    public static KeyRange range(ByteString key, ByteString rangeEnd) {
        return KeyRange.of(key.toByteArray(), rangeEnd.toByteArray());
    }

    public static RangeQuery query(Mvcc.RequestOp.Range r, long maxBytes) {
        return RangeQuery.of(range(r.getKey(), r.getRangeEnd()))
                .withLimit(r.getLimit())
                .withKeysOnly(r.getKeysOnly())
                .withCountOnly(r.getCountOnly())
                .withMaxBytes(maxBytes);
    }

    public static Mvcc.ResponseOp.Range toProto(RangeResult r) {
        return Mvcc.ResponseOp.Range.newBuilder()
                .addAllKvs(toProto(r.kvs()))
                .setMore(r.more())
                .setCount(r.count())
                .build();
    }

    public static Mvcc.ResponseOp toResponseOp(OpResult result) {
        return switch (result) {
            case RangeResult r -> Mvcc.ResponseOp.newBuilder().setResponseRange(toProto(r)).build();
            case PutResult p -> {
                Mvcc.ResponseOp.Put.Builder b = Mvcc.ResponseOp.Put.newBuilder();
                if (p.prev() != null) {
                    b.setPrevKv(toProto(p.prev()));
                }
                yield Mvcc.ResponseOp.newBuilder().setResponsePut(b).build();
            }
            case DeleteResult d -> Mvcc.ResponseOp.newBuilder().setResponseDeleteRange(
                    Mvcc.ResponseOp.DeleteRange.newBuilder()
                            .setDeleted(d.deleted())
                            .addAllPrevKvs(toProto(d.prevKvs()))).build();
        };
    }

    /** A wire transaction as the store runs it; ops with no request set are dropped, as upstream does. */
    public static TxnRequest txn(Mvcc.Txn txn, long maxRangeBytes) {
        List<Compare> compares = new ArrayList<>(txn.getCompareCount());
        for (Mvcc.Compare c : txn.getCompareList()) {
            compares.add(compare(c));
        }
        return new TxnRequest(compares, ops(txn.getSuccessList(), maxRangeBytes), ops(txn.getFailureList(), maxRangeBytes));
    }

    static Compare compare(Mvcc.Compare c) {
        KeyRange range = range(c.getKey(), c.getRangeEnd());
        Compare.Result result = switch (c.getResult()) {
            case EQUAL -> Compare.Result.EQUAL;
            case GREATER -> Compare.Result.GREATER;
            case LESS -> Compare.Result.LESS;
            case NOT_EQUAL -> Compare.Result.NOT_EQUAL;
            case UNRECOGNIZED -> throw new IllegalArgumentException("unknown compare result " + c.getResultValue());
        };
        return switch (c.getTarget()) {
            case VALUE -> new Compare(range, Compare.Target.VALUE, result,
                    c.hasValue() ? c.getValue().toByteArray() : null, 0);
            case VERSION -> new Compare(range, Compare.Target.VERSION, result, null, c.getVersion());
            case CREATE -> new Compare(range, Compare.Target.CREATE, result, null, c.getCreateRevision());
            case MOD -> new Compare(range, Compare.Target.MOD, result, null, c.getModRevision());
            case UNRECOGNIZED -> throw new IllegalArgumentException("unknown compare target " + c.getTargetValue());
        };
    }

    private static List<TxnOp> ops(List<Mvcc.RequestOp> ops, long maxRangeBytes) {
        List<TxnOp> out = new ArrayList<>(ops.size());
        for (Mvcc.RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> out.add(new TxnOp.Range(query(op.getRequestRange(), maxRangeBytes)));
                case REQUEST_PUT -> out.add(new TxnOp.Put(op.getRequestPut().getKey().toByteArray(),
                        op.getRequestPut().getValue().toByteArray(), op.getRequestPut().getPrevKv()));
                case REQUEST_DELETE_RANGE -> out.add(new TxnOp.Delete(
                        range(op.getRequestDeleteRange().getKey(), op.getRequestDeleteRange().getRangeEnd()),
                        op.getRequestDeleteRange().getPrevKv()));
                case REQUEST_NOT_SET -> {
                    // upstream skips an op with no request and answers nothing for it
                }
            }
        }
        return out;
    }

    public static List<Mvcc.ResponseOp> toProto(TxnResult r) {
        List<Mvcc.ResponseOp> out = new ArrayList<>(r.results().size());
        for (OpResult o : r.results()) {
            out.add(toResponseOp(o));
        }
        return out;
    }
}
