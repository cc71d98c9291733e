package io.armadakv.node.it;

import armada.v1.CreateTableRequest;
import armada.v1.KVGrpc;
import armada.v1.ListTablesRequest;
import armada.v1.PutRequest;
import armada.v1.PutResponse;
import armada.v1.RangeRequest;
import armada.v1.RangeResponse;
import armada.v1.TablesGrpc;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A single node keeps every acknowledged write and its tables across kill -9 and restart. */
class KillRestartIT {

    @TempDir
    Path dir;

    @Test
    void acknowledgedWritesSurviveKill9() throws Exception {
        try (ArmadaProcess node = ArmadaProcess.start(dir.resolve("n1"))) {
            TablesGrpc.newBlockingStub(node.channel()).create(CreateTableRequest.newBuilder().setName("t").build());
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(node.channel());

            // writers run until the kill; every write the server acknowledged must be there afterwards
            ConcurrentHashMap<String, Long> acked = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService writers = Executors.newFixedThreadPool(8);
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int writer = w;
                futures.add(writers.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String key = "w" + writer + "/" + i;
                        try {
                            PutResponse r = kv.withDeadlineAfter(5, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                                    .setTable(ByteString.copyFromUtf8("t"))
                                    .setKey(ByteString.copyFromUtf8(key))
                                    .setValue(ByteString.copyFromUtf8("v" + i)).build());
                            acked.put(key, r.getHeader().getRevision());
                        } catch (RuntimeException e) {
                            return; // the node died under us
                        }
                    }
                }));
            }
            Waits.until("some acknowledged writes", java.time.Duration.ofSeconds(30), () -> acked.size() >= 500);
            node.kill9();
            stop.set(true);
            for (var f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            writers.shutdown();
            assertTrue(acked.size() >= 500);

            node.launch();
            KVGrpc.KVBlockingStub kv2 = KVGrpc.newBlockingStub(node.channel());
            assertEquals(1, TablesGrpc.newBlockingStub(node.channel()).list(ListTablesRequest.getDefaultInstance())
                    .getTablesCount());
            for (var e : acked.entrySet()) {
                RangeResponse r = kv2.range(RangeRequest.newBuilder()
                        .setTable(ByteString.copyFromUtf8("t"))
                        .setKey(ByteString.copyFromUtf8(e.getKey())).build());
                assertEquals(1, r.getKvsCount(), "acknowledged key " + e.getKey() + " lost");
                assertEquals(e.getValue(), r.getKvs(0).getModRevision(), "revision of " + e.getKey());
            }
            // writes go on after the restart with revisions above everything acknowledged before
            long maxAcked = acked.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            PutResponse after = kv2.put(PutRequest.newBuilder().setTable(ByteString.copyFromUtf8("t"))
                    .setKey(ByteString.copyFromUtf8("after")).setValue(ByteString.copyFromUtf8("x")).build());
            assertTrue(after.getHeader().getRevision() > maxAcked);
        }
    }
}
