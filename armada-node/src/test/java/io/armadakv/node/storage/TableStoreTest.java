package io.armadakv.node.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableStoreTest {

    @TempDir
    Path tmp;

    private static byte[] s(String v) {
        return v.getBytes(StandardCharsets.UTF_8);
    }

    private TableStore open(String name) {
        return TableStore.open(tmp.resolve(name), new StoreOptions(name, false));
    }

    @Test
    void revisionsAndVersionsFollowEtcd() {
        try (TableStore store = open("t")) {
            assertEquals(0, store.revision());
            assertEquals(1, store.apply(1, 1, -1, w -> w.put(s("a"), s("1"), false)).revision());
            PutResult second = store.apply(2, 1, -1, w -> w.put(s("a"), s("2"), true));
            assertEquals("put rev=2 prev=61='31'@c1m1v1", Render.result(second));
            DeleteResult none = store.apply(3, 1, -1, w -> w.deleteRange(KeyRange.single(s("zz")), true));
            assertEquals("delete rev=2 deleted=0 prev=[]", Render.result(none));
            DeleteResult del = store.apply(4, 1, -1, w -> w.deleteRange(KeyRange.single(s("a")), true));
            assertEquals("delete rev=3 deleted=1 prev=[61='32'@c1m2v2]", Render.result(del));
            store.apply(5, 1, -1, w -> w.put(s("a"), new byte[] {0}, false));
            assertEquals("range[61='00'@c4m4v1] more=false count=1 rev=4",
                    Render.result(store.range(RangeQuery.of(KeyRange.single(s("a"))))));
            // the past stays readable until compaction
            assertEquals("range[61='32'@c1m2v2] more=false count=1 rev=2",
                    Render.result(store.range(RangeQuery.of(KeyRange.single(s("a"))).withRevision(2))));
            assertEquals("range[] more=false count=0 rev=3",
                    Render.result(store.range(RangeQuery.of(KeyRange.single(s("a"))).withRevision(3))));
            assertEquals(5, store.appliedIndex());
            assertEquals(4, store.revision());
            assertEquals(1, store.keyCount());
        }
    }

    @Test
    void txnWritesShareOneRevisionAndNoOpTxnConsumesNone() {
        try (TableStore store = open("t")) {
            store.apply(1, 1, -1, w -> w.put(s("lock"), s("x"), false));
            TxnRequest createIfAbsent = new TxnRequest(
                    List.of(new Compare(KeyRange.single(s("lock")), Compare.Target.CREATE, Compare.Result.EQUAL, null, 0)),
                    List.of(new TxnOp.Put(s("lock"), s("me"), false)),
                    List.of(new TxnOp.Range(RangeQuery.of(KeyRange.single(s("lock"))))));
            TxnResult lost = store.apply(2, 1, -1, w -> w.txn(createIfAbsent));
            assertEquals("txn ok=false rev=1 {range[6c6f636b='78'@c1m1v1] more=false count=1 rev=1}", Render.result(lost));
            TxnRequest two = new TxnRequest(List.of(),
                    List.of(new TxnOp.Put(s("b"), s("1"), false), new TxnOp.Put(s("c"), s("2"), false),
                            new TxnOp.Delete(KeyRange.single(s("lock")), false),
                            new TxnOp.Range(RangeQuery.of(KeyRange.all()))),
                    List.of());
            TxnResult won = store.apply(3, 1, -1, w -> w.txn(two));
            assertEquals("txn ok=true rev=2 {put rev=2 prev=none; put rev=2 prev=none; delete rev=2 deleted=1 prev=[]; "
                    + "range[62='31'@c2m2v1, 63='32'@c2m2v1] more=false count=2 rev=2}", Render.result(won));
            assertEquals(2, store.revision());
            TxnRequest deletesNothing = new TxnRequest(List.of(), List.of(new TxnOp.Delete(KeyRange.single(s("zz")), false)), List.of());
            assertEquals(2, store.apply(4, 1, -1, w -> w.txn(deletesNothing)).revision());
            assertEquals(2, store.revision());
        }
    }

    @Test
    void readTxnRejectsWrites() {
        try (TableStore store = open("t")) {
            TxnRequest writes = new TxnRequest(List.of(), List.of(), List.of(new TxnOp.Put(s("a"), s("b"), false)));
            assertThrows(IllegalArgumentException.class, () -> store.readTxn(writes));
        }
    }

    @Test
    void compactedAndFutureRevisionsAreRejectedWithTheTableName() {
        try (TableStore store = open("orders")) {
            for (int i = 1; i <= 5; i++) {
                int n = i;
                store.apply(i, 1, -1, w -> w.put(s("k"), s("v" + n), false));
            }
            long removed = store.apply(6, 1, -1, w -> w.compact(4));
            assertEquals(3, removed);
            assertEquals(4, store.compactedRevision());
            CompactedRevisionException compacted = assertThrows(CompactedRevisionException.class,
                    () -> store.range(RangeQuery.of(KeyRange.single(s("k"))).withRevision(3)));
            assertTrue(compacted.getMessage().contains("orders"), compacted.getMessage());
            assertEquals(4, compacted.compactedRevision());
            FutureRevisionException future = assertThrows(FutureRevisionException.class,
                    () -> store.range(RangeQuery.of(KeyRange.single(s("k"))).withRevision(6)));
            assertTrue(future.getMessage().contains("orders"), future.getMessage());
            assertEquals("range[6b='7634'@c1m4v4] more=false count=1 rev=4",
                    Render.result(store.range(RangeQuery.of(KeyRange.single(s("k"))).withRevision(4))));
            assertThrows(CompactedRevisionException.class, () -> store.apply(7, 1, -1, w -> w.compact(4)));
            assertThrows(FutureRevisionException.class, () -> store.apply(7, 1, -1, w -> w.compact(6)));
            assertEquals(6, store.appliedIndex());
        }
    }

    @Test
    void limitsNameTableKeyAndLimit() {
        try (TableStore store = open("big")) {
            byte[] key = new byte[StoreOptions.MAX_KEY_BYTES + 1];
            LimitExceededException e = assertThrows(LimitExceededException.class,
                    () -> store.apply(1, 1, -1, w -> w.put(key, s("v"), false)));
            assertEquals("table big: key 0x0000000000000000000000000000000000000000000000000000000000000000...(65537 bytes) is "
                    + "65537 bytes, over the limit of 65536", e.getMessage());
            assertThrows(LimitExceededException.class, () -> store.apply(1, 1, -1, w -> w.put(new byte[0], s("v"), false)));
            assertEquals(0, store.appliedIndex());
        }
    }

    @Test
    void applyRejectsOldIndex() {
        try (TableStore store = open("t")) {
            store.apply(5, 2, -1, w -> w.put(s("a"), s("1"), false));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> store.apply(5, 2, -1, w -> w.put(s("a"), s("2"), false)));
            assertTrue(e.getMessage().contains("table t"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> store.apply(4, 2, -1, w -> w.put(s("a"), s("2"), false)));
            assertEquals(5, store.appliedIndex());
            assertEquals(1, store.revision());
            assertEquals("range[61='31'@c1m1v1] more=false count=1 rev=1", Render.result(store.range(RangeQuery.of(KeyRange.all()))));
        }
    }

    @Test
    void throwingBodyCommitsNothing() {
        try (TableStore store = open("t")) {
            store.apply(1, 1, 10, w -> w.put(s("a"), s("1"), false));
            ContentHash before = store.contentHash();
            RuntimeException boom = new RuntimeException("boom");
            RuntimeException thrown = assertThrows(RuntimeException.class, () -> store.apply(2, 3, 20, w -> {
                w.put(s("a"), s("2"), false);
                w.put(s("b"), s("3"), false);
                w.putMeta("cfg", s("x"));
                throw boom;
            }));
            assertTrue(thrown == boom);
            assertEquals(1, store.appliedIndex());
            assertEquals(1, store.appliedTerm());
            assertEquals(10, store.leaderIndex());
            assertEquals(1, store.revision());
            assertEquals(before, store.contentHash());
            assertNull(store.meta("cfg"));
            // the same index can be applied after the failure
            assertEquals(2, store.apply(2, 3, -1, w -> w.put(s("b"), s("3"), false)).revision());
        }
    }

    @Test
    void writerCannotBeUsedAfterItsEntry() {
        try (TableStore store = open("t")) {
            EntryWriter leaked = store.apply(1, 1, -1, w -> w);
            assertThrows(IllegalStateException.class, () -> leaked.put(s("a"), s("b"), false));
            assertEquals(0, store.revision());
        }
    }

    @Test
    void durableDataAndMetaSurviveReopen() {
        Path dir = tmp.resolve("durable");
        StoreOptions options = StoreOptions.defaults("durable");
        assertTrue(options.durableWrites());
        try (TableStore store = TableStore.open(dir, options)) {
            store.apply(1, 4, 100, w -> {
                w.put(new byte[] {0, (byte) 0xFF}, s("v1"), false);
                w.putMeta("config", s("{\"replicas\":3}"));
                return w.put(s("b"), new byte[0], false);
            });
            store.apply(2, 4, -1, w -> {
                w.putMeta("gone", s("x"));
                w.putMeta("gone", null);
                return w.deleteRange(KeyRange.single(s("b")), false);
            });
        }
        try (TableStore store = TableStore.open(dir, options)) {
            assertEquals(2, store.appliedIndex());
            assertEquals(4, store.appliedTerm());
            assertEquals(100, store.leaderIndex());
            assertEquals(3, store.revision());
            assertEquals(1, store.keyCount());
            assertArrayEquals(s("{\"replicas\":3}"), store.meta("config"));
            assertNull(store.meta("gone"));
            assertEquals("range[00ff='7631'@c1m1v1] more=false count=1 rev=3", Render.result(store.range(RangeQuery.of(KeyRange.all()))));
            assertEquals("range[00ff='7631'@c1m1v1, 62=''@c2m2v1] more=false count=2 rev=2",
                    Render.result(store.range(RangeQuery.of(KeyRange.all()).withRevision(2))));
            assertTrue(store.sizeOnDisk() > 0);
        }
    }

    @Test
    void rangeLimitMaxBytesAndCountOnly() {
        try (TableStore store = open("t")) {
            fill(store, 5, 10);
            RangeQuery all = RangeQuery.of(KeyRange.prefix(s("k")));
            RangeResult limited = store.range(all.withLimit(2).withKeysOnly(true));
            assertEquals("range[6b30=-@c1m1v1, 6b31=-@c2m2v1] more=true count=2 rev=5", Render.result(limited));
            assertEquals("range[] more=true count=3 rev=5", Render.result(store.range(all.withCountOnly(true).withLimit(3))));
            assertEquals("range[] more=false count=5 rev=5", Render.result(store.range(all.withCountOnly(true))));
            // one txn per key, so one revision per key; each pair encodes to 25 bytes: 50 fits two, 5 still returns one
            assertEquals(2, store.range(all.withMaxBytes(50)).count());
            assertTrue(store.range(all.withMaxBytes(50)).more());
            assertEquals(1, store.range(all.withMaxBytes(49)).count());
            assertEquals(1, store.range(all.withMaxBytes(5)).count());
            assertFalse(store.range(all.withLimit(5)).more());
        }
    }

    private static void fill(TableStore store, int keys, int valueBytes) {
        store.apply(store.appliedIndex() + 1, 1, -1, w -> {
            for (int i = 0; i < keys; i++) {
                w.txn(new TxnRequest(List.of(), List.of(new TxnOp.Put(s("k" + i), new byte[valueBytes], false)), List.of()));
            }
            return null;
        });
    }

    private static List<RangeResult> drain(RangeIterator it) {
        List<RangeResult> pages = new ArrayList<>();
        while (it.hasNext()) {
            pages.add(it.next());
        }
        return pages;
    }

    @Test
    void iteratePagesByMaxBytesAndLimit() {
        try (TableStore store = open("t")) {
            store.apply(1, 1, -1, w -> {
                for (int i = 0; i < 9; i++) {
                    w.put(s("k" + i), new byte[10], false);
                }
                return null;
            });
            // each pair encodes to 25 bytes in a response: 50 bytes make pages of two
            RangeQuery q = RangeQuery.of(KeyRange.prefix(s("k"))).withMaxBytes(50);
            try (RangeIterator it = store.iterate(q)) {
                List<RangeResult> pages = drain(it);
                assertEquals(List.of(2L, 2L, 2L, 2L, 1L), pages.stream().map(RangeResult::count).toList());
                assertEquals(List.of(true, true, true, true, false), pages.stream().map(RangeResult::more).toList());
                assertEquals(List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"),
                        pages.stream().flatMap(p -> p.kvs().stream()).map(kv -> new String(kv.key(), StandardCharsets.UTF_8)).toList());
            }
            try (RangeIterator it = store.iterate(q.withLimit(5))) {
                List<RangeResult> pages = drain(it);
                assertEquals(List.of(2L, 2L, 1L), pages.stream().map(RangeResult::count).toList());
                // the last page stopped at the limit with keys left: more says so
                assertEquals(List.of(true, true, true), pages.stream().map(RangeResult::more).toList());
                assertEquals("k4", new String(pages.get(2).kvs().get(0).key(), StandardCharsets.UTF_8));
            }
            try (RangeIterator it = store.iterate(RangeQuery.of(KeyRange.prefix(s("nothing"))))) {
                assertEquals("<range[] more=false count=0 rev=9>", Render.result(drain(it)));
            }
            // a key larger than maxBytes still makes progress, one per page
            try (RangeIterator it = store.iterate(q.withMaxBytes(1))) {
                assertEquals(9, drain(it).size());
            }
        }
    }

    @Test
    void iterateSeesOneViewWhileWritesGoOn() throws Exception {
        try (TableStore store = open("t")) {
            int keys = 50;
            writeAll(store, 1, keys);
            RangeIterator it = store.iterate(RangeQuery.of(KeyRange.all()).withMaxBytes(40));
            long openedAt = store.revision();
            RangeResult first = it.next();
            // every entry rewrites all keys with its own index, so a consistent view has one value throughout
            java.util.concurrent.CountDownLatch landed = new java.util.concurrent.CountDownLatch(1);
            Thread writer = Thread.ofPlatform().start(() -> {
                for (long i = 2; i <= 30; i++) {
                    writeAll(store, i, keys);
                    landed.countDown();
                }
                store.apply(31, 1, -1, w -> w.deleteRange(KeyRange.all(), false));
            });
            // at least one write certainly lands between the first page and the rest
            landed.await();
            assertTrue(store.revision() > openedAt);
            List<RangeResult> pages = new ArrayList<>(List.of(first));
            while (it.hasNext()) {
                pages.add(it.next());
            }
            writer.join();
            it.close();
            assertTrue(pages.size() > 5);
            List<KeyValue> seen = pages.stream().flatMap(p -> p.kvs().stream()).toList();
            assertEquals(keys, seen.size());
            for (RangeResult p : pages) {
                assertEquals(openedAt, p.revision());
            }
            for (KeyValue kv : seen) {
                assertEquals("1", new String(kv.value(), StandardCharsets.UTF_8), Render.kv(kv));
            }
        }
    }

    private static void writeAll(TableStore store, long entry, int keys) {
        store.apply(entry, 1, -1, w -> {
            for (int k = 0; k < keys; k++) {
                w.put(s(String.format("key%03d", k)), s(Long.toString(entry)), false);
            }
            return null;
        });
    }

    /** Invariant 4: compaction changes no answer at or after its revision and keeps every live version. */
    @Test
    void compactionKeepsEveryReadAtOrAfterItsRevision() {
        try (TableStore store = open("t")) {
            java.util.Random r = new java.util.Random(7);
            for (int i = 1; i <= 40; i++) {
                store.apply(i, 1, -1, w -> {
                    byte[] key = new byte[] {(byte) r.nextInt(6)};
                    return r.nextInt(4) == 0 ? w.deleteRange(KeyRange.single(key), false) : w.put(key, s("v" + r.nextInt(100)), false);
                });
            }
            long current = store.revision();
            List<String> before = new ArrayList<>();
            for (long rev = 1; rev <= current; rev++) {
                before.add(Render.result(store.range(RangeQuery.of(KeyRange.all()).withRevision(rev))));
            }
            ContentHash hash = store.contentHash();
            long keyCount = store.keyCount();
            long compactAt = current / 2;
            long removed = store.apply(41, 1, -1, w -> w.compact(compactAt));
            assertTrue(removed > 0, "removed " + removed);
            for (long rev = compactAt; rev <= current; rev++) {
                assertEquals(before.get((int) rev - 1), Render.result(store.range(RangeQuery.of(KeyRange.all()).withRevision(rev))));
            }
            for (long rev = 1; rev < compactAt; rev++) {
                long at = rev;
                assertThrows(CompactedRevisionException.class, () -> store.range(RangeQuery.of(KeyRange.all()).withRevision(at)));
            }
            assertEquals(hash, store.contentHash());
            assertEquals(keyCount, store.keyCount());
            // compacting everything still keeps the live versions
            store.apply(42, 1, -1, w -> w.compact(current));
            assertEquals(hash, store.contentHash());
            assertEquals(before.get((int) current - 1), Render.result(store.range(RangeQuery.of(KeyRange.all()).withRevision(current))));
        }
    }

    /**
     * A compaction in bounded steps, with writes between them, leaves exactly what one whole
     * compaction leaves; reads below the new compacted revision are refused from the first step.
     */
    @Test
    void aCompactionInStepsWithWritesBetweenEndsLikeOneWholeCompaction() throws Exception {
        try (TableStore stepped = open("stepped"); TableStore whole = open("whole")) {
            java.util.Random r = new java.util.Random(11);
            long index = 0;
            for (int i = 0; i < 400; i++) {
                byte[] key = s("k" + r.nextInt(60));
                boolean delete = r.nextInt(5) == 0;
                String value = "v" + i;
                index++;
                for (TableStore store : List.of(stepped, whole)) {
                    store.apply(index, 1, -1, w -> delete ? w.deleteRange(KeyRange.single(key), false) : w.put(key, s(value), false));
                }
            }
            long target = stepped.revision() - 50;
            index++;
            long wholeRemoved = whole.apply(index, 1, -1, w -> w.compact(target));
            EntryWriter.CompactionStep step = stepped.apply(index, 1, -1, w -> w.compactStep(target, new byte[0], 25));
            assertEquals(target, stepped.compactedRevision(), "the first step compacts logically");
            assertThrows(CompactedRevisionException.class,
                    () -> stepped.range(RangeQuery.of(KeyRange.all()).withRevision(target - 1)));
            long removed = step.removed();
            int steps = 1;
            while (step.nextKey() != null) {
                byte[] from = step.nextKey();
                // a client write between steps, on both stores alike
                byte[] key = s("k" + r.nextInt(60));
                index++;
                for (TableStore store : List.of(stepped, whole)) {
                    store.apply(index, 1, -1, w -> w.put(key, s("between"), false));
                }
                index++;
                step = stepped.apply(index, 1, -1, w -> w.compactStep(target, from, 25));
                whole.apply(index, 1, -1, w -> null);
                removed += step.removed();
                steps++;
            }
            assertTrue(steps > 10, "bounded steps: " + steps);
            assertEquals(wholeRemoved, removed);
            java.io.ByteArrayOutputStream a = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            stepped.exportSnapshot(a);
            whole.exportSnapshot(b);
            assertArrayEquals(b.toByteArray(), a.toByteArray(), "the same versions remain");
            // a step of a compaction that another one superseded is refused, as is one that never started
            long later = stepped.revision();
            index++;
            stepped.apply(index, 1, -1, w -> w.compactStep(later, new byte[0], 25));
            long stale = index + 1;
            assertThrows(CompactedRevisionException.class,
                    () -> stepped.apply(stale, 1, -1, w -> w.compactStep(target, s("k1"), 25)));
        }
    }

    /** Reads run beside apply and always see whole entries: every entry rewrites all keys with its index. */
    @Test
    void rangeReadsAreConsistentDuringApply() throws Exception {
        try (TableStore store = open("t")) {
            int keys = 20;
            writeAll(store, 1, keys);
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread writer = Thread.ofPlatform().start(() -> {
                for (long i = 2; i <= 200; i++) {
                    writeAll(store, i, keys);
                }
                writing.set(false);
            });
            List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
            Runnable reader = () -> {
                while (writing.get() || reads.get() < 10) {
                    RangeResult rr = store.range(RangeQuery.of(KeyRange.all()));
                    reads.incrementAndGet();
                    long entry = (rr.revision() + keys - 1) / keys;
                    for (KeyValue kv : rr.kvs()) {
                        if (!new String(kv.value(), StandardCharsets.UTF_8).equals(Long.toString(entry)) || kv.modRevision() > rr.revision()) {
                            problems.add("at revision " + rr.revision() + ": " + Render.kv(kv));
                        }
                    }
                    if (rr.count() != keys) {
                        problems.add("at revision " + rr.revision() + ": " + rr.count() + " keys");
                    }
                }
            };
            Thread r1 = Thread.ofPlatform().start(reader);
            Thread r2 = Thread.ofPlatform().start(reader);
            writer.join();
            r1.join();
            r2.join();
            assertEquals(List.of(), problems);
            assertEquals(200L * keys, store.revision());
            assertTrue(reads.get() >= 10);
        }
    }
}
