package io.armadakv.jmh;

import io.armadakv.node.storage.Compare;
import io.armadakv.node.storage.EntryWriter;
import io.armadakv.node.storage.KeyRange;
import io.armadakv.node.storage.PutResult;
import io.armadakv.node.storage.RangeQuery;
import io.armadakv.node.storage.RangeResult;
import io.armadakv.node.storage.StoreOptions;
import io.armadakv.node.storage.TableStore;
import io.armadakv.node.storage.TxnOp;
import io.armadakv.node.storage.TxnRequest;
import io.armadakv.node.storage.TxnResult;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The table store's hot paths on their own, without Raft or gRPC: what one applied entry costs
 * (a put, 16 puts in one entry as the proposal batcher makes them, a compare-and-swap Txn, 24
 * puts with their recorded revisions, alone or three such entries to a store commit) and what a
 * point read and a 100-key prefix scan cost. Stores are not fsynced per entry, as in the
 * node's default configuration (storage.durable-writes=false; {@code -p durable=true} for the other).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"})
public class TableStoreBenchmark {

    @Param({"100000"})
    int keyCount;

    @Param({"256"})
    int valueSize;

    /** The node's default is false: the fsynced Raft log replays what a power loss took from the store. */
    @Param({"false"})
    boolean durable;

    private Path dir;
    private TableStore store;
    private byte[][] keys;
    private byte[] value;
    private long index;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("armada-jmh-");
        store = TableStore.open(dir, new StoreOptions("jmh", durable));
        keys = new byte[keyCount][];
        for (int i = 0; i < keyCount; i++) {
            keys[i] = String.format("key/%08d", i).getBytes(StandardCharsets.US_ASCII);
        }
        value = new byte[valueSize];
        ThreadLocalRandom.current().nextBytes(value);
        index = store.appliedIndex();
        for (int from = 0; from < keyCount; from += 1000) {
            int start = from;
            store.apply(++index, 1, -1, w -> {
                for (int i = start; i < Math.min(start + 1000, keyCount); i++) {
                    w.put(keys[i], value, false);
                }
                return null;
            });
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private byte[] randomKey() {
        return keys[ThreadLocalRandom.current().nextInt(keyCount)];
    }

    @Benchmark
    @Threads(1)
    public PutResult putOneEntry() {
        byte[] key = randomKey();
        return store.apply(++index, 1, -1, w -> w.put(key, value, false));
    }

    @Benchmark
    @Threads(1)
    @org.openjdk.jmh.annotations.OperationsPerInvocation(16)
    public long put16PerEntry() {
        return store.apply(++index, 1, -1, w -> {
            for (int i = 0; i < 16; i++) {
                w.put(randomKey(), value, false);
            }
            return w.revision();
        });
    }

    /**
     * An entry as the table state machine applies one under load: 24 puts, then the revisions they
     * got, recorded for the replication endpoint.
     */
    @Benchmark
    @Threads(1)
    @org.openjdk.jmh.annotations.OperationsPerInvocation(24)
    public long put24PerEntryWithRevisions() {
        return store.apply(++index, 1, -1, this::put24WithRevisions);
    }

    private long put24WithRevisions(EntryWriter w) {
        long[] revisions = new long[24];
        for (int i = 0; i < revisions.length; i++) {
            revisions[i] = w.put(randomKey(), value, false).revision();
        }
        w.recordRevisions(revisions);
        return w.revision();
    }

    /** Three such entries in one store commit, as the apply thread commits the entries that piled up. */
    @Benchmark
    @Threads(1)
    @org.openjdk.jmh.annotations.OperationsPerInvocation(72)
    public List<Long> threeEntriesOfPut24PerCommit() {
        List<TableStore.Entry<Long>> entries = new ArrayList<>(3);
        for (int e = 0; e < 3; e++) {
            entries.add(new TableStore.Entry<>(++index, 1, this::put24WithRevisions));
        }
        return store.applyAll(entries);
    }

    @Benchmark
    @Threads(1)
    public TxnResult txnCompareAndSwap() {
        byte[] key = randomKey();
        TxnRequest txn = new TxnRequest(
                List.of(new Compare(KeyRange.single(key), Compare.Target.VALUE, Compare.Result.EQUAL, value, 0)),
                List.of(new TxnOp.Put(key, value, false)),
                List.of(new TxnOp.Range(RangeQuery.of(KeyRange.single(key)))));
        return store.apply(++index, 1, -1, w -> w.txn(txn));
    }

    @Benchmark
    @Threads(2)
    public RangeResult pointRead() {
        return store.range(RangeQuery.of(KeyRange.single(randomKey())));
    }

    @Benchmark
    @Threads(2)
    public RangeResult prefixScan100() {
        int hundred = ThreadLocalRandom.current().nextInt(keyCount / 100) * 100;
        byte[] prefix = String.format("key/%06d", hundred / 100).getBytes(StandardCharsets.US_ASCII);
        return store.range(RangeQuery.of(KeyRange.prefix(prefix)));
    }
}
