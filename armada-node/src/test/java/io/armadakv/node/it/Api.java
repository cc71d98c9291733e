package io.armadakv.node.it;

import armada.v1.CreateTableRequest;
import armada.v1.DeleteRangeRequest;
import armada.v1.DeleteRangeResponse;
import armada.v1.KVGrpc;
import armada.v1.PutRequest;
import armada.v1.PutResponse;
import armada.v1.RangeRequest;
import armada.v1.RangeResponse;
import armada.v1.ResponseHeader;
import armada.v1.TablesGrpc;
import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import mvcc.v1.Mvcc;
import org.junit.jupiter.api.function.Executable;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small helpers shared by the API integration tests: byte strings, one-line calls, assertions. */
final class Api {

    static final ByteString OPEN_END = ByteString.copyFrom(new byte[] {0});

    private Api() {
    }

    static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    static ByteString bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return ByteString.copyFrom(out);
    }

    static ByteString filled(int size, int b) {
        byte[] out = new byte[size];
        java.util.Arrays.fill(out, (byte) b);
        return ByteString.copyFrom(out);
    }

    static KVGrpc.KVBlockingStub kv(Channel channel) {
        return KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Creates a table and returns its shard id. */
    static long createTable(Channel channel, String name) {
        String id = TablesGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .create(CreateTableRequest.newBuilder().setName(name).build()).getId();
        return Long.parseLong(id);
    }

    static PutResponse put(Channel ch, String table, ByteString key, ByteString value) {
        return kv(ch).put(PutRequest.newBuilder().setTable(bs(table)).setKey(key).setValue(value).build());
    }

    static PutResponse put(Channel ch, String table, String key, String value) {
        return put(ch, table, bs(key), bs(value));
    }

    static RangeResponse get(Channel ch, String table, String key) {
        return kv(ch).range(RangeRequest.newBuilder().setTable(bs(table)).setKey(bs(key)).build());
    }

    static RangeResponse all(Channel ch, String table) {
        return kv(ch).range(RangeRequest.newBuilder().setTable(bs(table)).setRangeEnd(OPEN_END).build());
    }

    /** The whole table after a ReadIndex round: every write acknowledged before the call is in it. */
    static RangeResponse allLinearizable(Channel ch, String table) {
        return kv(ch).range(RangeRequest.newBuilder().setTable(bs(table)).setRangeEnd(OPEN_END).setLinearizable(true).build());
    }

    static DeleteRangeResponse delete(Channel ch, String table, ByteString key, ByteString rangeEnd, boolean prevKv) {
        return kv(ch).deleteRange(DeleteRangeRequest.newBuilder().setTable(bs(table)).setKey(key)
                .setRangeEnd(rangeEnd).setPrevKv(prevKv).build());
    }

    static List<String> keys(List<Mvcc.KeyValue> kvs) {
        List<String> out = new ArrayList<>();
        for (Mvcc.KeyValue kv : kvs) {
            out.add(kv.getKey().toStringUtf8());
        }
        return out;
    }

    static List<ByteString> rawKeys(List<Mvcc.KeyValue> kvs) {
        List<ByteString> out = new ArrayList<>();
        for (Mvcc.KeyValue kv : kvs) {
            out.add(kv.getKey());
        }
        return out;
    }

    static Mvcc.KeyValue kv(ByteString key, ByteString value, long create, long mod, long version) {
        return Mvcc.KeyValue.newBuilder().setKey(key).setValue(value).setCreateRevision(create)
                .setModRevision(mod).setVersion(version).build();
    }

    static Mvcc.KeyValue kv(String key, String value, long create, long mod, long version) {
        return kv(bs(key), bs(value), create, mod, version);
    }

    /** The header every KV response of a single leader node carries. */
    static void assertHeader(ResponseHeader h, long shardId, long revision) {
        assertEquals(shardId, h.getShardId(), "shard_id");
        assertEquals(1, h.getReplicaId(), "replica_id");
        assertEquals(revision, h.getRevision(), "revision");
        assertTrue(h.getRaftTerm() > 0, "raft_term > 0: " + h);
        assertEquals(1, h.getRaftLeaderId(), "raft_leader_id");
    }

    static StatusRuntimeException assertStatus(Status.Code code, String message, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), "code of " + e);
        assertEquals(message, e.getStatus().getDescription(), "message of " + e);
        return e;
    }

    static StatusRuntimeException assertStatusPrefix(Status.Code code, String prefix, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), "code of " + e);
        String d = e.getStatus().getDescription();
        assertTrue(d != null && d.startsWith(prefix), "message of " + e + " should start with " + prefix);
        return e;
    }

    static Mvcc.RequestOp rangeOp(ByteString key, ByteString rangeEnd) {
        return Mvcc.RequestOp.newBuilder().setRequestRange(Mvcc.RequestOp.Range.newBuilder()
                .setKey(key).setRangeEnd(rangeEnd)).build();
    }

    static Mvcc.RequestOp rangeOp(String key) {
        return rangeOp(bs(key), ByteString.EMPTY);
    }

    static Mvcc.RequestOp putOp(String key, String value, boolean prevKv) {
        return Mvcc.RequestOp.newBuilder().setRequestPut(Mvcc.RequestOp.Put.newBuilder()
                .setKey(bs(key)).setValue(bs(value)).setPrevKv(prevKv)).build();
    }

    static Mvcc.RequestOp deleteOp(ByteString key, ByteString rangeEnd, boolean prevKv) {
        return Mvcc.RequestOp.newBuilder().setRequestDeleteRange(Mvcc.RequestOp.DeleteRange.newBuilder()
                .setKey(key).setRangeEnd(rangeEnd).setPrevKv(prevKv)).build();
    }

    static Mvcc.Compare valueCmp(String key, Mvcc.Compare.CompareResult r, String value) {
        return Mvcc.Compare.newBuilder().setKey(bs(key)).setTarget(Mvcc.Compare.CompareTarget.VALUE)
                .setResult(r).setValue(bs(value)).build();
    }

    static Mvcc.Compare exists(String key) {
        return Mvcc.Compare.newBuilder().setKey(bs(key)).setTarget(Mvcc.Compare.CompareTarget.VALUE).build();
    }

    static Mvcc.Compare versionCmp(String key, Mvcc.Compare.CompareResult r, long v) {
        return Mvcc.Compare.newBuilder().setKey(bs(key)).setTarget(Mvcc.Compare.CompareTarget.VERSION)
                .setResult(r).setVersion(v).build();
    }

    static Mvcc.Compare createCmp(String key, Mvcc.Compare.CompareResult r, long v) {
        return Mvcc.Compare.newBuilder().setKey(bs(key)).setTarget(Mvcc.Compare.CompareTarget.CREATE)
                .setResult(r).setCreateRevision(v).build();
    }

    static Mvcc.Compare modCmp(String key, Mvcc.Compare.CompareResult r, long v) {
        return Mvcc.Compare.newBuilder().setKey(bs(key)).setTarget(Mvcc.Compare.CompareTarget.MOD)
                .setResult(r).setModRevision(v).build();
    }
}
