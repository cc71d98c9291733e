package io.armadakv.bench;

import armada.v1.PutRequest;
import armada.v1.PutResponse;
import armada.v1.TableStatus;
import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Puts on the leader cluster at full speed while watching a follower node: for every
 * acknowledged write, the time until the follower's copy reached its revision, and every
 * 100 ms the follower's lag in leader entries. Each value starts with the write's send time
 * in milliseconds since the epoch, so the data itself says when it was written.
 */
@Command(name = "lag", aliases = "replication-lag", mixinStandardHelpOptions = true,
        description = "Put load on the leader (--address) and measure how far a follower (--follower) lags")
final class LagWorkload implements Callable<Integer> {

    @Mixin
    BenchOptions options;

    @Option(names = "--follower", required = true, description = "host:port of a follower node's API")
    String follower;

    private final ConcurrentSkipListMap<Long, Long> acknowledgedAt = new ConcurrentSkipListMap<>();
    private final Histogram lagMicros = new Histogram(3_600_000_000L, 3);
    private final Histogram lagEntries = new Histogram(3);
    private final AtomicBoolean watching = new AtomicBoolean(true);

    @Override
    public Integer call() throws Exception {
        Keys keys = new Keys(options.keyCount, options.keySize);
        ByteString table = ByteString.copyFromUtf8(options.table);
        byte[] padding = new byte[Math.max(0, options.valueSize - 8)];
        ThreadLocalRandom.current().nextBytes(padding);
        try (ArmadaClient client = new ArmadaClient(options.address, options.connections);
             TableWatch watch = new TableWatch(follower, options.table)) {
            client.ensureTable(options.table);
            while (watch.revision() < 0) {
                Thread.sleep(50); // the replicator creates the table on the follower
            }
            Thread watcher = Thread.ofPlatform().name("lag-watch").start(() -> watch(watch));
            Thread sampler = Thread.ofPlatform().name("lag-entries").start(() -> sampleEntries(watch));
            LoadRunner.Result r = new LoadRunner().run("put (follower lag)", options.plan(), (c, random, ok, failed) -> {
                        ByteString value = ByteString.copyFrom(ByteBuffer.allocate(8 + padding.length)
                                .putLong(System.currentTimeMillis()).put(padding).array());
                        client.kv(c).put(PutRequest.newBuilder().setTable(table)
                                .setKey(keys.get(random.nextInt(keys.count()))).setValue(value).build(),
                                new Acknowledged(ok, failed));
                    });
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!acknowledgedAt.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10); // the tail of the run reaches the follower
            }
            watching.set(false);
            watcher.join();
            sampler.join();
            Report.print(r, options.json);
            print();
            return r.errors() == 0 && acknowledgedAt.isEmpty() ? 0 : 1;
        }
    }

    /** Records when each write was acknowledged, by the revision the leader gave it. */
    private final class Acknowledged implements StreamObserver<PutResponse> {
        private final Runnable ok;
        private final java.util.function.Consumer<Throwable> failed;

        Acknowledged(Runnable ok, java.util.function.Consumer<Throwable> failed) {
            this.ok = ok;
            this.failed = failed;
        }

        @Override
        public void onNext(PutResponse value) {
            acknowledgedAt.put(value.getHeader().getRevision(), System.nanoTime());
        }

        @Override
        public void onError(Throwable t) {
            failed.accept(t);
        }

        @Override
        public void onCompleted() {
            ok.run();
        }
    }

    private void watch(TableWatch watch) {
        try {
            watchUntilStopped(watch);
        } catch (RuntimeException e) {
            System.err.println("watching the follower failed: " + e);
            throw e;
        }
    }

    private void watchUntilStopped(TableWatch watch) {
        while (watching.get()) {
            long revision = watch.revision();
            long now = System.nanoTime();
            Map<Long, Long> reached = acknowledgedAt.headMap(revision, true);
            for (Long at : reached.values()) {
                lagMicros.recordValue(Math.max(1, (now - at) / 1000));
            }
            reached.clear();
        }
    }

    private void sampleEntries(TableWatch watch) {
        while (watching.get()) {
            TableStatus s = watch.status();
            if (s != null && s.getLeaderLastIndex() > 0) {
                lagEntries.recordValue(Math.max(0, s.getLeaderLastIndex() - s.getLeaderIndex()));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void print() {
        System.out.printf(Locale.ROOT, "follower lag after the leader's acknowledgement: p50 %.1f ms, p99 %.1f ms, "
                        + "max %.1f ms (%d writes)%n", lagMicros.getValueAtPercentile(50) / 1000.0,
                lagMicros.getValueAtPercentile(99) / 1000.0, lagMicros.getMaxValue() / 1000.0,
                lagMicros.getTotalCount());
        System.out.printf(Locale.ROOT, "follower lag in leader entries (sampled every 100 ms): p50 %d, p99 %d, max %d%n",
                lagEntries.getValueAtPercentile(50), lagEntries.getValueAtPercentile(99), lagEntries.getMaxValue());
    }
}
