package io.armadakv.node.it;

import armada.v1.DeleteRangeRequest;
import armada.v1.KVGrpc;
import armada.v1.PutRequest;
import armada.v1.PutResponse;
import armada.v1.RangeRequest;
import armada.v1.RangeResponse;
import armada.v1.TxnRequest;
import armada.v1.TxnResponse;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import mvcc.v1.Mvcc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.armadakv.node.it.Api.OPEN_END;
import static io.armadakv.node.it.Api.assertStatus;
import static io.armadakv.node.it.Api.assertStatusPrefix;
import static io.armadakv.node.it.Api.bs;
import static io.armadakv.node.it.Api.createTable;
import static io.armadakv.node.it.Api.filled;
import static io.armadakv.node.it.Api.put;
import static io.armadakv.node.it.Api.putOp;
import static io.armadakv.node.it.Api.rangeOp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every limit of the API port against real processes: each refusal's code and message, and that
 * nothing was written. One node runs with small connection, stream and Txn limits; a second with a
 * tiny pending-write queue to be overloaded.
 */
class LimitsIT {

    private static final int MIB = 1024 * 1024;

    @TempDir
    static Path dir;

    static ArmadaProcess limited;
    static ArmadaProcess overloadable;

    @BeforeAll
    static void start() {
        CompletableFuture<ArmadaProcess> second = CompletableFuture.supplyAsync(() -> ArmadaProcess.start(
                dir.resolve("overload"), "--api.max-pending-writes=2", "--raft.max-in-flight-proposals=1"));
        limited = ArmadaProcess.start(dir.resolve("limited"), "--api.max-txn-ops=4",
                "--api.max-concurrent-connections=4", "--api.max-concurrent-streams=2");
        overloadable = second.join();
    }

    @AfterAll
    static void stop() {
        if (limited != null) {
            limited.close();
        }
        if (overloadable != null) {
            overloadable.close();
        }
    }

    private static long revision(ArmadaProcess node, String table) {
        return Api.kv(node.channel()).range(RangeRequest.newBuilder().setTable(bs(table)).setKey(bs("\u0001none"))
                .build()).getHeader().getRevision();
    }

    private static TxnRequest.Builder txn(String table) {
        return TxnRequest.newBuilder().setTable(bs(table));
    }

    @Test
    void txnOpsAreLimitedPerListAndNothingIsWritten() {
        ManagedChannel ch = limited.channel();
        createTable(ch, "ops");
        TxnRequest.Builder four = txn("ops");
        for (int i = 0; i < 4; i++) {
            four.addCompare(Mvcc.Compare.newBuilder().setKey(bs("absent" + i)));
            four.addSuccess(putOp("s" + i, "v", false));
            four.addFailure(putOp("f" + i, "v", false));
        }
        // four in each list: 12 in all, each list at its limit
        TxnResponse ok = Api.kv(ch).txn(four.build());
        assertEquals(1, ok.getHeader().getRevision());
        assertStatus(Status.Code.INVALID_ARGUMENT, "too many operations in txn request: 5 failure ops in table ops "
                + "exceed the limit of 4 (api.max-txn-ops)",
                () -> Api.kv(ch).txn(four.clone().addFailure(putOp("f4", "v", false)).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "too many operations in txn request: 5 compares in table ops "
                + "exceed the limit of 4 (api.max-txn-ops)",
                () -> Api.kv(ch).txn(four.clone().addCompare(Mvcc.Compare.newBuilder().setKey(bs("x"))).build()));
        assertEquals(1, revision(limited, "ops"), "nothing written");
        assertEquals(0, Api.get(ch, "ops", "s0").getCount() + Api.get(ch, "ops", "f4").getCount());
    }

    @Test
    void keyAndValueSizesInsideTxnOpsAreChecked() {
        ManagedChannel ch = limited.channel();
        createTable(ch, "txnsizes");
        assertStatusPrefix(Status.Code.FAILED_PRECONDITION, "value length exceeded max allowed value: value of 2097153 "
                + "bytes for key \"big\" in table txnsizes exceeds the limit of 2097152 bytes (api.max-value-size)",
                () -> Api.kv(ch).txn(txn("txnsizes").addSuccess(Mvcc.RequestOp.newBuilder().setRequestPut(
                        Mvcc.RequestOp.Put.newBuilder().setKey(bs("big")).setValue(filled(2 * MIB + 1, 'v')))).build()));
        assertStatusPrefix(Status.Code.FAILED_PRECONDITION, "key length exceeded max allowed value: key \"kkkkkkkkkk",
                () -> Api.kv(ch).txn(txn("txnsizes").addSuccess(putOp("k".repeat(1025), "v", false)).build()));
        assertEquals(0, revision(limited, "txnsizes"), "nothing written");
    }

    /** Three values of 2 MiB: 6 MiB of pairs, more than a client's default 4 MiB receive limit. */
    private static void fillSixMiB(ManagedChannel ch, String table) {
        for (int i = 0; i < 3; i++) {
            put(ch, table, bs("k" + i), filled(2 * MIB, 'a' + i));
        }
    }

    @Test
    void deleteRangeWhosePrevKvsWouldNotFitIsRefusedBeforeDeleting() {
        ManagedChannel ch = limited.channel();
        createTable(ch, "prevkvs");
        fillSixMiB(ch, "prevkvs");
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, "response too large: the prev_kvs of the DeleteRange from key "
                + "\"k\" (nothing was deleted: delete without prev_kv) in table prevkvs, over the limit of 4194304 bytes "
                + "(api.max-send-message-size); read large results with IterateRange",
                () -> Api.kv(ch).deleteRange(DeleteRangeRequest.newBuilder().setTable(bs("prevkvs")).setKey(bs("k"))
                        .setRangeEnd(bs("l")).setPrevKv(true).build()));
        assertEquals(3, revision(limited, "prevkvs"), "nothing deleted");
        assertEquals(3, Api.kv(ch).range(RangeRequest.newBuilder().setTable(bs("prevkvs")).setKey(bs("k"))
                .setRangeEnd(bs("l")).setCountOnly(true).build()).getCount());
        // one of them fits
        assertEquals(1, Api.kv(ch).deleteRange(DeleteRangeRequest.newBuilder().setTable(bs("prevkvs")).setKey(bs("k0"))
                .setRangeEnd(bs("k1")).setPrevKv(true).build()).getPrevKvsCount());
        assertEquals(4, revision(limited, "prevkvs"));
    }

    @Test
    void txnWhoseResultWouldNotFitIsRefusedBeforeWriting() {
        ManagedChannel ch = limited.channel();
        createTable(ch, "bigtxn");
        fillSixMiB(ch, "bigtxn");
        String expected = "response too large: the result of the Txn (nothing was written) in table bigtxn, over the "
                + "limit of 4194304 bytes (api.max-send-message-size); read large results with IterateRange";
        // a write with three range ops of 2 MiB each
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, expected, () -> Api.kv(ch).txn(txn("bigtxn")
                .addSuccess(putOp("new", "v", false)).addSuccess(rangeOp("k0")).addSuccess(rangeOp("k1"))
                .addSuccess(rangeOp("k2")).build()));
        // a write whose delete returns 6 MiB of prev_kvs
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, expected, () -> Api.kv(ch).txn(txn("bigtxn")
                .addSuccess(Api.deleteOp(bs("k"), bs("l"), true)).build()));
        assertEquals(3, revision(limited, "bigtxn"), "nothing written");
        assertEquals(0, Api.get(ch, "bigtxn", "new").getCount());
        // a read-only Txn is refused as well (it writes nothing anyway)
        StatusRuntimeException readOnly = assertStatusPrefix(Status.Code.RESOURCE_EXHAUSTED,
                "response too large: the result of the read-only Txn is 629", () -> Api.kv(ch).txn(txn("bigtxn").addSuccess(rangeOp("k0")).addSuccess(rangeOp("k1"))
                        .addSuccess(rangeOp("k2")).build()));
        assertTrue(readOnly.getStatus().getDescription().endsWith(" bytes in table bigtxn, over the limit of 4194304 "
                + "bytes (api.max-send-message-size); read large results with IterateRange"), readOnly.toString());
        // a Range is paged below the limit instead: the first page and more=true
        RangeResponse first = Api.kv(ch).range(RangeRequest.newBuilder().setTable(bs("bigtxn")).setKey(bs("k"))
                .setRangeEnd(OPEN_END).build());
        assertTrue(first.getMore() && first.getSerializedSize() <= 4 * MIB, first.getKvsCount() + " pairs");
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws Exception {
        createTable(limited.channel(), "conn"); // the process's own channel holds one connection
        List<Socket> held = new ArrayList<>();
        try {
            // 1 + 3 = 4 connections: at the limit. Raw sockets count as soon as they are accepted.
            for (int i = 0; i < 3; i++) {
                held.add(new Socket(InetAddress.getLoopbackAddress(), limited.apiPort()));
            }
            try (Socket over = new Socket(InetAddress.getLoopbackAddress(), limited.apiPort())) {
                over.setSoTimeout(5000);
                long started = System.nanoTime();
                InputStream in = over.getInputStream();
                int read;
                try {
                    read = in.read();
                } catch (java.net.SocketException reset) {
                    read = -1;
                }
                assertEquals(-1, read, "the fifth connection is closed by the node");
                assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(3), "closed at once, not queued");
            }
            ManagedChannel fresh = NettyChannelBuilder.forAddress("127.0.0.1", limited.apiPort()).usePlaintext().build();
            try {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> KVGrpc.newBlockingStub(fresh)
                        .withDeadlineAfter(5, TimeUnit.SECONDS).put(PutRequest.newBuilder().setTable(bs("conn"))
                                .setKey(bs("k")).setValue(bs("v")).build()));
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
                // the connections already open keep working
                assertEquals(0, Api.get(limited.channel(), "conn", "nothing").getCount());
                // one held socket closes: a new connection is accepted again
                held.removeFirst().close();
                Waits.until("a connection accepted after one closed", Duration.ofSeconds(10), () -> {
                    try {
                        KVGrpc.newBlockingStub(fresh).withDeadlineAfter(2, TimeUnit.SECONDS)
                                .range(RangeRequest.newBuilder().setTable(bs("conn")).setKey(bs("k")).build());
                        return true;
                    } catch (StatusRuntimeException notYet) {
                        return false;
                    }
                });
            } finally {
                fresh.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void callsBeyondTheStreamLimitOfAConnectionWaitForAFreeStream() throws Exception {
        ManagedChannel ch = limited.channel();
        createTable(ch, "streams");
        fillSixMiB(ch, "streams");
        // two IterateRange calls that take no message hold both streams of the connection open
        List<ClientCall<RangeRequest, RangeResponse>> holders = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ClientCall<RangeRequest, RangeResponse> call = ch.newCall(KVGrpc.getIterateRangeMethod(),
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
            call.start(new ClientCall.Listener<>() {
            }, new Metadata());
            call.sendMessage(RangeRequest.newBuilder().setTable(bs("streams")).setKey(bs("k")).setRangeEnd(OPEN_END).build());
            call.halfClose();
            holders.add(call);
        }
        Thread.sleep(500);
        // a third call on the same connection cannot start
        StatusRuntimeException waited = assertThrows(StatusRuntimeException.class, () -> KVGrpc.newBlockingStub(ch)
                .withDeadlineAfter(1500, TimeUnit.MILLISECONDS)
                .range(RangeRequest.newBuilder().setTable(bs("streams")).setKey(bs("k0")).build()));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, waited.getStatus().getCode(), waited.toString());
        // once one holder ends, it runs
        ListenableFuture<RangeResponse> third = KVGrpc.newFutureStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
                .range(RangeRequest.newBuilder().setTable(bs("streams")).setKey(bs("k0")).setKeysOnly(true).build());
        holders.get(0).cancel("done", null);
        assertEquals(1, third.get(30, TimeUnit.SECONDS).getCount());
        holders.get(1).cancel("done", null);
    }

    @Test
    void anOverloadedTableRefusesWritesQuicklyAndWritesNothingItRefused() throws Exception {
        ManagedChannel ch = overloadable.channel();
        createTable(ch, "hot");
        KVGrpc.KVFutureStub async = KVGrpc.newFutureStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
        List<String> accepted = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        String message = null;
        for (int round = 0; round < 20 && refused.isEmpty(); round++) {
            List<ListenableFuture<PutResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                calls.add(async.put(PutRequest.newBuilder().setTable(bs("hot")).setKey(bs(round + "/" + i))
                        .setValue(filled(4096, 'v')).build()));
            }
            for (int i = 0; i < calls.size(); i++) {
                String key = round + "/" + i;
                try {
                    calls.get(i).get(60, TimeUnit.SECONDS);
                    accepted.add(key);
                } catch (ExecutionException e) {
                    Status s = Status.fromThrowable(e.getCause());
                    assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
                    message = s.getDescription();
                    refused.add(key);
                }
            }
        }
        assertTrue(!refused.isEmpty(), "200 concurrent writes overflow a queue of 2");
        assertTrue(message.startsWith("table hot is overloaded: ") && message.endsWith(
                " writes wait for a Raft proposal on this node, the limit is 2 (api.max-pending-writes); retry later"),
                message);
        assertEquals(accepted.size(), revision(overloadable, "hot"), "one revision per accepted write");
        for (String key : refused) {
            assertEquals(0, Api.get(ch, "hot", key).getCount(), "refused write " + key + " was not written");
        }
        for (String key : accepted) {
            assertEquals(1, Api.get(ch, "hot", key).getCount(), "accepted write " + key);
        }
        // the backlog gone, writes are admitted again
        assertEquals(accepted.size() + 1, put(ch, "hot", "after", "v").getHeader().getRevision());
    }
}
