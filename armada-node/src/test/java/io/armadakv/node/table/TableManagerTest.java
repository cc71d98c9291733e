package io.armadakv.node.table;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import io.armadakv.node.config.CommandLineConfigSource;
import io.armadakv.node.config.NodeConfig;
import io.armadakv.node.it.LoopbackPorts;
import io.armadakv.node.storage.KeyRange;
import io.armadakv.node.storage.RangeQuery;
import io.armadakv.node.storage.RangeResult;
import mvcc.v1.Mvcc;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table layer on a real single-peer Ratis group, in this JVM. */
class TableManagerTest {

    @TempDir
    Path dir;

    private NodeConfig config(String... extra) throws IOException {
        int port = LoopbackPorts.next();
        List<String> args = new ArrayList<>(List.of(
                "--raft.address=127.0.0.1:" + port,
                "--raft.node-host-dir=" + dir.resolve("raft"),
                "--raft.state-machine-dir=" + dir.resolve("tables")));
        args.addAll(List.of(extra));
        var flags = CommandLineConfigSource.parse(args);
        return NodeConfig.from(ConfigProviderResolver.instance().getBuilder().withSources(flags).build());
    }

    private static Mvcc.Command put(String key, String value) {
        return Mvcc.Command.newBuilder().setType(Mvcc.Command.CommandType.PUT)
                .setKv(Mvcc.KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)))
                .build();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void storesAreSyncedInTheBackgroundOnceEnoughIsWritten() throws Exception {
        try (TableManager tables = new TableManager(config("--storage.background-sync-bytes=65536"))) {
            tables.start();
            tables.create("t", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS);
            Table t = tables.table("t");
            String value = "v".repeat(1024);
            List<CompletableFuture<Mvcc.CommandResult>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                results.add(t.write(put("k" + i, value)));
            }
            for (var f : results) {
                f.get(30, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (t.store().backgroundSyncedAddress() < 65536 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(t.store().backgroundSyncedAddress() >= 65536,
                    "200 KiB written, synced up to " + t.store().backgroundSyncedAddress());
        }
    }

    @Test
    void concurrentWritesGetConsecutiveRevisionsAndSurviveRestartWithoutReplay() throws Exception {
        NodeConfig config = config();
        long lastRevision;
        try (TableManager tables = new TableManager(config)) {
            tables.start();
            tables.create("t", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS);
            Table t = tables.table("t");
            // many writes in flight at once end up batched into few Raft entries
            List<CompletableFuture<Mvcc.CommandResult>> results = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                results.add(t.write(put("k" + i, "v" + i)));
            }
            List<Long> revisions = new ArrayList<>();
            for (var f : results) {
                revisions.add(f.get(30, TimeUnit.SECONDS).getRevision());
            }
            // every write has its own revision and together they are consecutive: no gap, no duplicate
            // (concurrent writes have no order among themselves: a refused proposal is retried after later ones)
            List<Long> sorted = revisions.stream().sorted().toList();
            for (int i = 0; i < sorted.size(); i++) {
                assertEquals(1 + i, sorted.get(i), "revisions: " + revisions);
            }
            lastRevision = sorted.getLast();
            assertTrue(t.store().appliedIndex() < 500, "writes were batched into fewer Raft entries than writes: "
                    + t.store().appliedIndex());
        }
        try (TableManager tables = new TableManager(config)) {
            tables.start();
            Table t = tables.table("t");
            assertEquals(0, t.skippedEntries(), "entries applied before the restart were handed to the store again");
            RangeResult all = t.range(RangeQuery.of(KeyRange.all()));
            assertEquals(500, all.count());
            assertEquals(lastRevision, all.revision());
            Mvcc.CommandResult next = t.write(put("after", "x")).get(30, TimeUnit.SECONDS);
            assertEquals(lastRevision + 1, next.getRevision());
        }
    }

    @Test
    void txnAppliesAtomicallyAtOneRevision() throws Exception {
        try (TableManager tables = new TableManager(config())) {
            tables.start();
            tables.create("t", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS);
            Table t = tables.table("t");
            long r0 = t.write(put("a", "1")).get(30, TimeUnit.SECONDS).getRevision();
            Mvcc.Txn txn = Mvcc.Txn.newBuilder()
                    .addCompare(Mvcc.Compare.newBuilder().setKey(ByteString.copyFromUtf8("a"))
                            .setResult(Mvcc.Compare.CompareResult.EQUAL).setValue(ByteString.copyFromUtf8("1")))
                    .addSuccess(Mvcc.RequestOp.newBuilder().setRequestPut(Mvcc.RequestOp.Put.newBuilder()
                            .setKey(ByteString.copyFromUtf8("a")).setValue(ByteString.copyFromUtf8("2"))))
                    .addSuccess(Mvcc.RequestOp.newBuilder().setRequestPut(Mvcc.RequestOp.Put.newBuilder()
                            .setKey(ByteString.copyFromUtf8("b")).setValue(ByteString.copyFromUtf8("2"))))
                    .build();
            Mvcc.CommandResult r = t.write(Mvcc.Command.newBuilder().setType(Mvcc.Command.CommandType.TXN).setTxn(txn).build())
                    .get(30, TimeUnit.SECONDS);
            assertTrue(r.getSucceeded());
            assertEquals(r0 + 1, r.getRevision());
            RangeResult all = t.range(RangeQuery.of(KeyRange.all()));
            assertEquals(2, all.count());
            all.kvs().forEach(kv -> assertEquals(r0 + 1, kv.modRevision()));
            // the same guard now fails: the failure branch (empty) runs and nothing is written
            Mvcc.CommandResult again = t.write(Mvcc.Command.newBuilder().setType(Mvcc.Command.CommandType.TXN).setTxn(txn).build())
                    .get(30, TimeUnit.SECONDS);
            assertFalse(again.getSucceeded());
            assertEquals(r0 + 1, again.getRevision());
        }
    }

    @Test
    void deletedTableLosesGroupAndData() throws Exception {
        try (TableManager tables = new TableManager(config())) {
            tables.start();
            long id = tables.create("gone", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS).getId();
            assertEquals(CatalogStateMachine.FIRST_TABLE_ID, id);
            tables.table("gone").write(put("k", "v")).get(30, TimeUnit.SECONDS);
            Path data = dir.resolve("tables").resolve(Long.toString(id));
            assertTrue(Files.exists(data));
            tables.delete("gone").get(30, TimeUnit.SECONDS);
            assertThrows(TableNotFoundException.class, () -> tables.table("gone"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.exists(data) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertFalse(Files.exists(data), "data of a deleted table is removed");
            // a new table of the same name is a new, empty table with a new id
            long id2 = tables.create("gone", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS).getId();
            assertEquals(id + 1, id2);
            assertEquals(0, tables.table("gone").range(RangeQuery.of(KeyRange.all())).count());
            var error = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> tables.create("gone", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS));
            assertTrue(error.getCause() instanceof TableExistsException);
        }
    }

    @Test
    void leaderCompactsHistoryBeyondTheRetention() throws Exception {
        try (TableManager tables = new TableManager(config("--storage.compaction-retention=10",
                "--storage.compaction-interval=50"))) {
            tables.start();
            tables.create("t", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS);
            Table t = tables.table("t");
            long last = 0;
            for (int i = 0; i < 40; i++) {
                last = t.write(put("k", "v" + i)).get(30, TimeUnit.SECONDS).getRevision();
            }
            long expected = last - 10;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (t.store().compactedRevision() != expected && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(expected, t.store().compactedRevision());
            RangeResult atHorizon = t.range(RangeQuery.of(KeyRange.single(b("k"))).withRevision(expected));
            assertEquals("v29", new String(atHorizon.kvs().getFirst().value(), StandardCharsets.UTF_8));
            assertThrows(io.armadakv.node.storage.CompactedRevisionException.class,
                    () -> t.range(RangeQuery.of(KeyRange.single(b("k"))).withRevision(expected - 1)));
        }
    }

    private static long storedVersions(Table t) throws java.io.IOException {
        java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();
        t.store().exportVersions(1 << 20, (point, batch) -> { }, count);
        return count.get();
    }

    @Test
    void aCompactionLargerThanOneStepRemovesEveryInvisibleVersionStepByStep() throws Exception {
        try (TableManager tables = new TableManager(config("--storage.compaction-retention=10",
                "--storage.compaction-interval=200"))) {
            tables.start();
            tables.create("t", Struct.getDefaultInstance()).get(30, TimeUnit.SECONDS);
            Table t = tables.table("t");
            int keys = Table.COMPACTION_STEP_VERSIONS * 3 / 2;
            for (int pass = 0; pass < 2; pass++) {
                List<java.util.concurrent.CompletableFuture<mvcc.v1.Mvcc.CommandResult>> writes = new java.util.ArrayList<>();
                for (int i = 0; i < keys; i++) {
                    writes.add(t.write(put(String.format("k%05d", i), "v" + pass)));
                }
                for (var w : writes) {
                    w.get(30, TimeUnit.SECONDS);
                }
            }
            assertEquals(2L * keys, t.store().revision());
            // every key's older version goes, except where the newer one is among the 10 retained revisions
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (storedVersions(t) != keys + 10 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(keys + 10, storedVersions(t), "versions left after a compaction of " + 2 * keys
                    + " versions in steps of " + Table.COMPACTION_STEP_VERSIONS);
            assertEquals(2L * keys - 10, t.store().compactedRevision());
            assertEquals(keys, t.store().keyCount());
        }
    }

    @Test
    void compactionPausesThreeTimesAsLongAsItsLastStepTookWithinBounds() {
        assertEquals(Table.COMPACTION_STEP_PAUSE_MS, Table.pauseAfterStepMs(TimeUnit.MILLISECONDS.toNanos(1)));
        assertEquals(60, Table.pauseAfterStepMs(TimeUnit.MILLISECONDS.toNanos(20)));
        assertEquals(Table.COMPACTION_STEP_PAUSE_MAX_MS, Table.pauseAfterStepMs(TimeUnit.SECONDS.toNanos(2)));
    }
}
