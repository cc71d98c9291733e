package io.armadakv.node.it;

import armada.v1.KVGrpc;
import armada.v1.PutRequest;
import armada.v1.PutResponse;
import armada.v1.RangeRequest;
import armada.v1.RangeResponse;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.armadakv.node.it.Api.bs;
import static io.armadakv.node.it.Api.createTable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Far more than 8,192 unary calls on one ManagedChannel (one HTTP/2 connection) to one node must
 * all succeed: guards against the Helidon gRPC bug that killed a connection after 8,192 calls.
 */
class ManyCallsOneConnectionIT {

    @TempDir
    static Path dir;

    static ArmadaProcess node;
    static ManagedChannel ch;

    @BeforeAll
    static void start() {
        node = ArmadaProcess.start(dir.resolve("many"));
        // our own channel: nothing else has used it, every call below goes over its one connection
        ch = NettyChannelBuilder.forAddress("127.0.0.1", node.apiPort()).usePlaintext().build();
    }

    @AfterAll
    static void shutdown() throws InterruptedException {
        if (ch != null) {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void eighteenThousandCallsOnOneChannel() throws Exception {
        String t = "many";
        createTable(ch, t);
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
        AtomicInteger calls = new AtomicInteger(1);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger wrong = new AtomicInteger();

        // 1) sequential: 5,000 Puts, each followed by a Range of the same key
        long lastRevision = 0;
        for (int i = 0; i < 5_000; i++) {
            String key = String.format("s%05d", i);
            try {
                PutResponse p = kv.withDeadlineAfter(30, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                        .setTable(bs(t)).setKey(bs(key)).setValue(bs("v" + i)).build());
                calls.incrementAndGet();
                if (p.getHeader().getRevision() != lastRevision + 1) {
                    wrong.incrementAndGet();
                }
                lastRevision = p.getHeader().getRevision();
                RangeResponse r = kv.withDeadlineAfter(30, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
                        .setTable(bs(t)).setKey(bs(key)).build());
                calls.incrementAndGet();
                if (r.getKvsCount() != 1 || !r.getKvs(0).getValue().equals(bs("v" + i))
                        || r.getKvs(0).getModRevision() != lastRevision) {
                    wrong.incrementAndGet();
                }
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        assertEquals(List.of(), List.copyOf(errors), "errors in the sequential phase");
        assertEquals(0, wrong.get(), "wrong answers in the sequential phase");
        assertEquals(5_000, lastRevision);

        // 2) concurrent: 4 threads of blocking calls, each 800 Puts and 800 Ranges
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int writer = w;
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 800; i++) {
                    String key = "c" + writer + "/" + i;
                    try {
                        kv.withDeadlineAfter(30, TimeUnit.SECONDS).put(PutRequest.newBuilder().setTable(bs(t))
                                .setKey(bs(key)).setValue(bs(key)).build());
                        calls.incrementAndGet();
                        RangeResponse r = kv.withDeadlineAfter(30, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
                                .setTable(bs(t)).setKey(bs(key)).build());
                        calls.incrementAndGet();
                        if (r.getKvsCount() != 1 || !r.getKvs(0).getValue().equals(bs(key))) {
                            wrong.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        errors.add(e);
                    }
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get(300, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(List.of(), List.copyOf(errors), "errors in the concurrent phase");
        assertEquals(0, wrong.get(), "wrong answers in the concurrent phase");

        // 3) pipelined on the async stub: 2,000 Ranges, up to 64 in flight
        KVGrpc.KVFutureStub async = KVGrpc.newFutureStub(ch);
        Deque<ListenableFuture<RangeResponse>> inFlight = new ArrayDeque<>();
        Deque<Integer> expected = new ArrayDeque<>();
        for (int i = 0; i < 2_000; i++) {
            if (inFlight.size() == 64) {
                check(inFlight.poll(), expected.poll(), errors, wrong);
                calls.incrementAndGet();
            }
            int n = i % 5_000;
            inFlight.add(async.withDeadlineAfter(30, TimeUnit.SECONDS).range(RangeRequest.newBuilder().setTable(bs(t))
                    .setKey(bs(String.format("s%05d", n))).build()));
            expected.add(n);
        }
        while (!inFlight.isEmpty()) {
            check(inFlight.poll(), expected.poll(), errors, wrong);
            calls.incrementAndGet();
        }
        assertEquals(List.of(), List.copyOf(errors), "errors in the pipelined phase");
        assertEquals(0, wrong.get(), "wrong answers in the pipelined phase");

        // everything that was written is there, read on the same channel
        RangeResponse count = kv.range(RangeRequest.newBuilder().setTable(bs(t))
                .setRangeEnd(ByteString.copyFrom(new byte[] {0})).setCountOnly(true).build());
        calls.incrementAndGet();
        assertEquals(5_000 + 4 * 800, count.getCount());
        assertEquals(5_000 + 4 * 800, count.getHeader().getRevision(), "every Put was one revision");
        assertTrue(calls.get() > 12_000, "calls made: " + calls.get());
        assertEquals(ConnectivityState.READY, ch.getState(false), "the connection is still up");
    }

    private static void check(ListenableFuture<RangeResponse> f, int n, ConcurrentLinkedQueue<Throwable> errors,
                              AtomicInteger wrong) {
        try {
            RangeResponse r = f.get(30, TimeUnit.SECONDS);
            if (r.getKvsCount() != 1 || !r.getKvs(0).getValue().equals(bs("v" + n))) {
                wrong.incrementAndGet();
            }
        } catch (Exception e) {
            errors.add(e);
        }
    }
}
