package io.armadakv.node.it;

import armada.v1.KVGrpc;
import armada.v1.TxnRequest;
import armada.v1.TxnResponse;
import com.google.protobuf.ByteString;
import mvcc.v1.Mvcc;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steady writes from several clients spread over a cluster's nodes. Each write is a Txn that
 * puts two keys, {@code <id>/a} and {@code <id>/b}: an acknowledged write must be readable
 * afterwards at its revision, and a failed one must be all there or not there at all.
 */
final class ClusterLoad implements AutoCloseable {

    final Map<String, Long> acked = new ConcurrentHashMap<>();
    final Set<String> uncertain = ConcurrentHashMap.newKeySet();
    final AtomicLong ackCount = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> writers = new java.util.ArrayList<>();

    ClusterLoad(List<ArmadaProcess> nodes, String table, int clients) {
        for (int c = 0; c < clients; c++) {
            int client = c;
            writers.add(Thread.ofPlatform().name("load-" + c).start(() -> run(nodes, table, client)));
        }
    }

    private void run(List<ArmadaProcess> nodes, String table, int client) {
        for (long i = 0; running.get(); i++) {
            ArmadaProcess node = nodes.get((int) ((client + i) % nodes.size()));
            if (!node.isAlive()) {
                continue;
            }
            String id = "c" + client + "/" + i;
            TxnRequest txn = TxnRequest.newBuilder()
                    .setTable(ByteString.copyFromUtf8(table))
                    .addSuccess(put(id + "/a", id))
                    .addSuccess(put(id + "/b", id))
                    .build();
            try {
                TxnResponse r = KVGrpc.newBlockingStub(node.channel()).withDeadlineAfter(5, TimeUnit.SECONDS).txn(txn);
                acked.put(id, r.getHeader().getRevision());
                ackCount.incrementAndGet();
            } catch (RuntimeException e) {
                uncertain.add(id);
            }
        }
    }

    private static Mvcc.RequestOp put(String key, String value) {
        return Mvcc.RequestOp.newBuilder().setRequestPut(Mvcc.RequestOp.Put.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))).build();
    }

    /** Waits until {@code more} further writes were acknowledged (writes resumed). */
    void awaitProgress(String what, long more, java.time.Duration timeout) {
        long target = ackCount.get() + more;
        Waits.until(what, timeout, () -> ackCount.get() >= target);
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : writers) {
            t.join(30_000);
        }
    }
}
