package io.armadakv.node.storage;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Random operation sequences against {@link TableStore} and {@link ReferenceModel}; every answer,
 * error and counter must agree. A twin store fed the same entries must end byte-identical, and a
 * snapshot of the store must import into an equal one.
 */
class TableStoreModelPropertyTest {

    /** A step of a sequence; its content is drawn from {@code seed} against the state it meets. */
    record Step(Kind kind, long seed) {
    }

    enum Kind { ENTRY, RANGE, READ_TXN, ITERATE, FAILING_ENTRY, REOPEN }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Kind> kinds = Arbitraries.frequency(
                net.jqwik.api.Tuple.of(12, Kind.ENTRY),
                net.jqwik.api.Tuple.of(6, Kind.RANGE),
                net.jqwik.api.Tuple.of(2, Kind.READ_TXN),
                net.jqwik.api.Tuple.of(2, Kind.ITERATE),
                net.jqwik.api.Tuple.of(1, Kind.FAILING_ENTRY),
                net.jqwik.api.Tuple.of(1, Kind.REOPEN));
        return Combinators.combine(kinds, Arbitraries.longs()).as(Step::new).list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 200)
    void storeAgreesWithModel(@ForAll("steps") List<Step> steps) throws Exception {
        Path root = Files.createTempDirectory("armada-model");
        try {
            run(root, steps);
        } finally {
            deleteTree(root);
        }
    }

    private void run(Path root, List<Step> steps) throws Exception {
        StoreOptions options = new StoreOptions("model-table", false);
        ReferenceModel model = new ReferenceModel();
        TableStore store = TableStore.open(root.resolve("a"), options);
        TableStore twin = TableStore.open(root.resolve("b"), options);
        List<String> metaNames = new ArrayList<>();
        long index = 0;
        long leaderIndex = 0;
        try {
            for (Step step : steps) {
                Gen g = new Gen(new Random(step.seed()), model);
                final ReferenceModel m = model;
                final TableStore s = store;
                final long nextIndex = index + 1;
                switch (step.kind()) {
                    case ENTRY -> {
                        List<Write> writes = g.writes();
                        long term = 1 + index / 10;
                        long leader = g.r.nextBoolean() ? -1 : index + 1 + 1000;
                        ReferenceModel next = model.copy();
                        String expected;
                        Class<?> expectedError = null;
                        try {
                            expected = Render.result(writes.stream().map(w -> w.apply(next)).toList());
                        } catch (StoreException e) {
                            expected = null;
                            expectedError = e.getClass();
                        }
                        String actual = null;
                        Class<?> actualError = null;
                        long before = store.revision();
                        try {
                            actual = Render.result(store.apply(index + 1, term, leader,
                                    w -> writes.stream().map(op -> op.apply(w)).toList()));
                        } catch (StoreException e) {
                            actualError = e.getClass();
                        }
                        assertEquals(expectedError, actualError, () -> "entry " + writes);
                        assertEquals(expected, actual, () -> "entry " + writes);
                        if (expectedError == null) {
                            index++;
                            model = next;
                            if (leader >= 0) {
                                leaderIndex = leader;
                            }
                            twin.apply(index, term, leader, w -> writes.stream().map(op -> op.apply(w)).toList());
                            for (Write w : writes) {
                                if (w instanceof Write.Meta meta && !metaNames.contains(meta.name())) {
                                    metaNames.add(meta.name());
                                }
                            }
                        } else {
                            assertEquals(before, store.revision());
                        }
                        assertEquals(index, store.appliedIndex());
                        assertEquals(term(index), store.appliedTerm());
                        assertEquals(leaderIndex, store.leaderIndex());
                        assertEquals(model.revision, store.revision());
                        assertEquals(model.compacted, store.compactedRevision());
                        assertEquals(model.keyCount(), store.keyCount());
                    }
                    case RANGE -> {
                        RangeQuery q = g.query(true);
                        assertEquals(answer(() -> m.range(q)), answer(() -> s.range(q)), () -> "range " + q);
                    }
                    case READ_TXN -> {
                        TxnRequest t = g.txn(true);
                        assertEquals(answer(() -> m.copy().txn(t)), answer(() -> s.readTxn(t)), () -> "readTxn " + t);
                    }
                    case ITERATE -> {
                        RangeQuery q = g.query(true).withMaxBytes(g.r.nextInt(4) == 0 ? 0 : 1 + g.r.nextInt(10));
                        assertEquals(answer(() -> m.pages(q)), answer(() -> drain(s, q)), () -> "iterate " + q);
                    }
                    case FAILING_ENTRY -> {
                        List<Write> writes = g.writes();
                        String hash = store.contentHash().sha256Hex();
                        long applied = store.appliedIndex();
                        long rev = store.revision();
                        assertThrows(IllegalStateException.class, () -> s.apply(nextIndex, 99, 5, w -> {
                            try {
                                writes.forEach(op -> op.apply(w));
                            } catch (StoreException ignored) {
                                // a write that fails on its own also leaves nothing behind
                            }
                            throw new IllegalStateException("body fails");
                        }));
                        assertEquals(applied, store.appliedIndex());
                        assertEquals(rev, store.revision());
                        assertEquals(hash, store.contentHash().sha256Hex());
                    }
                    case REOPEN -> {
                        store.close();
                        store = TableStore.open(root.resolve("a"), options);
                        assertEquals(index, store.appliedIndex());
                        assertEquals(model.revision, store.revision());
                        assertEquals(model.compacted, store.compactedRevision());
                    }
                }
            }
            assertEquals(new ContentHash(model.revision, model.contentHash()), store.contentHash());
            for (String name : metaNames) {
                assertArrayEquals(model.meta(name), store.meta(name), name);
            }
            // determinism: the twin saw the same entries and must hold the same bytes
            assertEquals(store.contentHash(), twin.contentHash());
            ByteArrayOutputStream a = new ByteArrayOutputStream();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            store.exportSnapshot(a);
            twin.exportSnapshot(b);
            assertArrayEquals(a.toByteArray(), b.toByteArray());
            // a snapshot rebuilds the same store, history included
            SnapshotInfo info = TableStore.importSnapshot(root.resolve("c"), new ByteArrayInputStream(a.toByteArray()), options);
            assertEquals(new SnapshotInfo(index, term(index), model.revision, leaderIndex), info);
            try (TableStore imported = TableStore.open(root.resolve("c"), options)) {
                assertEquals(store.contentHash(), imported.contentHash());
                assertEquals(model.compacted, imported.compactedRevision());
                for (long rev = Math.max(1, model.compacted); rev <= model.revision; rev++) {
                    RangeQuery q = RangeQuery.of(KeyRange.all()).withRevision(rev);
                    assertEquals(Render.result(model.range(q)), Render.result(imported.range(q)), "at " + rev);
                }
            }
        } finally {
            store.close();
            twin.close();
        }
    }

    private static long term(long index) {
        return index == 0 ? 0 : 1 + (index - 1) / 10;
    }

    private static List<RangeResult> drain(TableStore store, RangeQuery q) {
        List<RangeResult> pages = new ArrayList<>();
        try (RangeIterator it = store.iterate(q)) {
            while (it.hasNext()) {
                pages.add(it.next());
            }
        }
        return pages;
    }

    /** The rendered answer, or the kind of error; the messages differ by design (table name). */
    private static String answer(java.util.function.Supplier<Object> read) {
        try {
            return Render.result(read.get());
        } catch (StoreException e) {
            return e.getClass().getSimpleName();
        }
    }

    /** One write of an entry, applied the same way to the model and to the store. */
    sealed interface Write {

        Object apply(ReferenceModel m);

        Object apply(EntryWriter w);

        record Put(byte[] key, byte[] value, boolean prevKv) implements Write {
            public Object apply(ReferenceModel m) {
                return m.put(key, value, prevKv);
            }

            public Object apply(EntryWriter w) {
                return w.put(key, value, prevKv);
            }

            public String toString() {
                return "Put(" + Render.hex(key) + "=" + Render.hex(value) + (prevKv ? ",prev)" : ")");
            }
        }

        record Delete(KeyRange range, boolean prevKv) implements Write {
            public Object apply(ReferenceModel m) {
                return m.delete(range, prevKv);
            }

            public Object apply(EntryWriter w) {
                return w.deleteRange(range, prevKv);
            }
        }

        record Txn(TxnRequest txn) implements Write {
            public Object apply(ReferenceModel m) {
                return m.txn(txn);
            }

            public Object apply(EntryWriter w) {
                return w.txn(txn);
            }
        }

        record Range(RangeQuery q) implements Write {
            public Object apply(ReferenceModel m) {
                return m.range(q);
            }

            public Object apply(EntryWriter w) {
                return w.range(q);
            }
        }

        record Compact(long revision) implements Write {
            public Object apply(ReferenceModel m) {
                return m.compact(revision);
            }

            public Object apply(EntryWriter w) {
                return w.compact(revision);
            }
        }

        record Meta(String name, byte[] value) implements Write {
            public Object apply(ReferenceModel m) {
                m.putMeta(name, value);
                return "meta";
            }

            public Object apply(EntryWriter w) {
                w.putMeta(name, value);
                return "meta";
            }
        }
    }

    /** Draws operations from a small alphabet so keys collide and edge bytes appear often. */
    static final class Gen {
        private static final byte[] KEY_BYTES = {0x00, 0x01, 'a', 'b', (byte) 0xFF};
        private static final byte[] VALUE_BYTES = {0x00, 'x', (byte) 0xFF};
        final Random r;
        private final ReferenceModel m;

        Gen(Random r, ReferenceModel m) {
            this.r = r;
            this.m = m;
        }

        byte[] bytes(byte[] alphabet, int min, int max) {
            byte[] b = new byte[min + r.nextInt(max - min + 1)];
            for (int i = 0; i < b.length; i++) {
                b[i] = alphabet[r.nextInt(alphabet.length)];
            }
            return b;
        }

        byte[] key() {
            return bytes(KEY_BYTES, 1, 3);
        }

        byte[] value() {
            return bytes(VALUE_BYTES, 0, 3);
        }

        KeyRange range() {
            return switch (r.nextInt(6)) {
                case 0, 1 -> KeyRange.single(key());
                case 2 -> KeyRange.prefix(bytes(KEY_BYTES, 0, 2));
                case 3 -> KeyRange.fromKey(bytes(KEY_BYTES, 0, 2));
                case 4 -> KeyRange.all();
                default -> KeyRange.of(bytes(KEY_BYTES, 0, 2), key());
            };
        }

        /** A revision around the valid window, so compacted and future ones come up too. */
        long revision(boolean mayFail) {
            if (r.nextInt(3) == 0 || m.revision == 0) {
                return mayFail && r.nextInt(4) == 0 ? 1 + r.nextInt(2) : 0;
            }
            long lo = mayFail ? Math.max(1, m.compacted - 1) : Math.max(1, m.compacted);
            long hi = mayFail ? m.revision + 1 : m.revision;
            return lo > hi ? 0 : lo + (long) r.nextInt((int) (hi - lo + 1));
        }

        long smallRevision() {
            return r.nextInt(3) == 0 ? 0 : r.nextInt((int) m.revision + 2);
        }

        RangeQuery query(boolean mayFail) {
            boolean filters = r.nextInt(4) == 0;
            return new RangeQuery(range(), r.nextInt(3) == 0 ? 1 + r.nextInt(3) : 0, r.nextInt(4) == 0,
                    r.nextInt(6) == 0, revision(mayFail),
                    filters ? smallRevision() : 0, filters ? smallRevision() : 0,
                    filters ? smallRevision() : 0, filters ? smallRevision() : 0,
                    r.nextInt(4) == 0 ? 1 + r.nextInt(8) : 0);
        }

        Compare compare() {
            KeyRange range = r.nextInt(4) == 0 ? range() : KeyRange.single(key());
            Compare.Target target = Compare.Target.values()[r.nextInt(4)];
            Compare.Result result = Compare.Result.values()[r.nextInt(4)];
            byte[] value = target == Compare.Target.VALUE && r.nextInt(4) > 0 ? value() : null;
            long number = r.nextInt(3) == 0 ? 0 : r.nextInt((int) m.revision + 3);
            return new Compare(range, target, result, value, number);
        }

        TxnRequest txn(boolean readOnly) {
            List<Compare> compares = new ArrayList<>();
            for (int i = r.nextInt(3); i > 0; i--) {
                compares.add(compare());
            }
            return new TxnRequest(compares, ops(readOnly), ops(readOnly));
        }

        private List<TxnOp> ops(boolean readOnly) {
            List<TxnOp> ops = new ArrayList<>();
            for (int i = r.nextInt(4); i > 0; i--) {
                int k = readOnly ? 0 : r.nextInt(3);
                ops.add(switch (k) {
                    case 0 -> new TxnOp.Range(query(false));
                    case 1 -> new TxnOp.Put(key(), value(), r.nextBoolean());
                    default -> new TxnOp.Delete(range(), r.nextBoolean());
                });
            }
            return ops;
        }

        List<Write> writes() {
            List<Write> writes = new ArrayList<>();
            for (int i = 1 + r.nextInt(3); i > 0; i--) {
                int k = r.nextInt(20);
                if (k < 8) {
                    writes.add(new Write.Put(key(), value(), r.nextBoolean()));
                } else if (k < 11) {
                    writes.add(new Write.Delete(range(), r.nextBoolean()));
                } else if (k < 16) {
                    writes.add(new Write.Txn(txn(false)));
                } else if (k < 17) {
                    writes.add(new Write.Range(query(true)));
                } else if (k < 19) {
                    long lo = Math.max(0, m.compacted);
                    writes.add(new Write.Compact(r.nextInt(5) == 0 ? lo : lo + 1 + r.nextInt((int) Math.max(1, m.revision - lo + 1))));
                } else {
                    writes.add(new Write.Meta("m" + r.nextInt(3), r.nextInt(4) == 0 ? null : value()));
                }
            }
            return writes;
        }
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
