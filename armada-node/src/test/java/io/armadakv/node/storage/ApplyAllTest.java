package io.armadakv.node.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several Raft entries in one store commit: the same table as one commit each, or nothing at all. */
class ApplyAllTest {

    @TempDir
    Path tmp;

    private static byte[] s(String v) {
        return v.getBytes(StandardCharsets.UTF_8);
    }

    /** Puts, overwrites, deletes, leader indices, meta and two compactions: 30 entries. */
    private static List<TableStore.Entry<Object>> entries() {
        List<TableStore.Entry<Object>> out = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            int n = i;
            out.add(new TableStore.Entry<>(i, 1 + i / 10, w -> {
                if (n == 12 || n == 25) {
                    return w.compact(w.revision() - 3);
                }
                w.put(s("key" + (n % 7)), s("value-" + n), false);
                if (n % 5 == 0) {
                    w.deleteRange(KeyRange.single(s("key" + (n % 3))), false);
                }
                if (n % 4 == 0) {
                    w.putMeta("m" + n, s("x"));
                }
                return w.revision();
            }));
        }
        return out;
    }

    private record State(ContentHash hash, long revision, long compacted, long applied, long term, byte[] snapshot) {
    }

    private State applyInGroupsOf(int size, String name) {
        try (TableStore store = TableStore.open(tmp.resolve(name), new StoreOptions(name, false))) {
            List<TableStore.Entry<Object>> all = entries();
            for (int from = 0; from < all.size(); from += size) {
                List<TableStore.Entry<Object>> group = all.subList(from, Math.min(all.size(), from + size));
                List<Object> results = store.applyAll(group);
                assertEquals(group.size(), results.size(), "one result per entry");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            store.exportSnapshot(out);
            return new State(store.contentHash(), store.revision(), store.compactedRevision(), store.appliedIndex(),
                    store.appliedTerm(), out.toByteArray());
        }
    }

    @Test
    void entriesCommittedTogetherLeaveTheSameTableAsOneCommitEach() {
        State single = applyInGroupsOf(1, "single");
        assertEquals(30, single.applied());
        assertEquals(4, single.term());
        assertTrue(single.compacted() > 0, "the sample compacts");
        for (int size : new int[] {2, 7, 30}) {
            State grouped = applyInGroupsOf(size, "groups-of-" + size);
            assertEquals(single.hash(), grouped.hash(), "groups of " + size);
            assertEquals(single.revision(), grouped.revision());
            assertEquals(single.compacted(), grouped.compacted());
            assertEquals(single.applied(), grouped.applied());
            assertEquals(single.term(), grouped.term());
            assertArrayEquals(single.snapshot(), grouped.snapshot(), "groups of " + size);
        }
    }

    @Test
    void aFailingEntryCommitsNoneOfItsGroupAndTheGroupCanBeAppliedAgain() {
        try (TableStore store = TableStore.open(tmp.resolve("fail"), new StoreOptions("fail", false))) {
            store.apply(1, 1, -1, w -> w.put(s("before"), s("v"), false));
            ContentHash hash = store.contentHash();
            List<TableStore.Entry<Object>> group = List.of(
                    new TableStore.Entry<>(2, 1, w -> w.put(s("a"), s("1"), false)),
                    new TableStore.Entry<>(3, 1, w -> {
                        throw new IllegalArgumentException("refused");
                    }),
                    new TableStore.Entry<>(4, 1, w -> w.put(s("b"), s("2"), false)));
            assertThrows(IllegalArgumentException.class, () -> store.applyAll(group));
            assertEquals(1, store.appliedIndex());
            assertEquals(1, store.revision());
            assertEquals(hash, store.contentHash());
            assertTrue(store.range(RangeQuery.of(KeyRange.single(s("a")))).kvs().isEmpty(), "entry 2 was rolled back");

            store.applyAll(List.of(group.get(0), group.get(2)));
            assertEquals(4, store.appliedIndex());
            assertEquals(3, store.revision());
        }
    }

    @Test
    void entriesMustComeInIndexOrderAfterTheAppliedIndex() {
        try (TableStore store = TableStore.open(tmp.resolve("order"), new StoreOptions("order", false))) {
            store.apply(5, 1, -1, w -> w.put(s("k"), s("v"), false));
            assertThrows(IllegalStateException.class, () -> store.applyAll(List.of(
                    new TableStore.Entry<>(7, 1, w -> null), new TableStore.Entry<>(6, 1, w -> null))));
            assertThrows(IllegalStateException.class, () -> store.applyAll(List.of(
                    new TableStore.Entry<>(5, 1, w -> null))));
            assertEquals(5, store.appliedIndex());
        }
    }
}
