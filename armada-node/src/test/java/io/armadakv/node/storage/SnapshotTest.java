package io.armadakv.node.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotTest {

    @TempDir
    Path tmp;

    private static byte[] s(String v) {
        return v.getBytes(StandardCharsets.UTF_8);
    }

    /** A store with history, a compaction, a tombstone, meta and a leader index. */
    private byte[] exportSample(TableStore store) {
        for (int i = 1; i <= 20; i++) {
            int n = i;
            store.apply(i, 1 + i / 10, i % 2 == 0 ? i * 100 : -1, w -> {
                w.put(s("key" + (n % 7)), s("value-" + n), false);
                if (n % 5 == 0) {
                    w.deleteRange(KeyRange.single(s("key" + (n % 3))), false);
                }
                return null;
            });
        }
        store.apply(21, 3, -1, w -> {
            w.putMeta("config", s("cfg"));
            return w.compact(10);
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SnapshotInfo info = store.exportSnapshot(out);
        assertEquals(new SnapshotInfo(21, 3, store.revision(), 2000), info);
        return out.toByteArray();
    }

    @Test
    void roundTripRebuildsTheSameStore() {
        StoreOptions options = new StoreOptions("snap", false);
        try (TableStore source = TableStore.open(tmp.resolve("source"), options)) {
            byte[] snapshot = exportSample(source);
            SnapshotInfo info = TableStore.importSnapshot(tmp.resolve("copy"), new ByteArrayInputStream(snapshot), options);
            assertEquals(new SnapshotInfo(21, 3, source.revision(), 2000), info);
            try (TableStore copy = TableStore.open(tmp.resolve("copy"), options)) {
                assertEquals(source.contentHash(), copy.contentHash());
                assertEquals(source.revision(), copy.revision());
                assertEquals(21, copy.appliedIndex());
                assertEquals(3, copy.appliedTerm());
                assertEquals(2000, copy.leaderIndex());
                assertEquals(10, copy.compactedRevision());
                assertEquals(source.keyCount(), copy.keyCount());
                assertArrayEquals(s("cfg"), copy.meta("config"));
                for (long rev = 10; rev <= source.revision(); rev++) {
                    RangeQuery q = RangeQuery.of(KeyRange.all()).withRevision(rev);
                    assertEquals(Render.result(source.range(q)), Render.result(copy.range(q)), "revision " + rev);
                }
                assertThrows(CompactedRevisionException.class, () -> copy.range(RangeQuery.of(KeyRange.all()).withRevision(9)));
                // the copy carries on where the source stood
                copy.apply(22, 3, -1, w -> w.put(s("after"), s("x"), false));
                assertEquals(source.revision() + 1, copy.revision());
            }
        }
    }

    @Test
    void truncatedSnapshotsAreRejectedAndLeaveNothingBehind() throws Exception {
        StoreOptions options = new StoreOptions("snap", false);
        byte[] snapshot;
        try (TableStore source = TableStore.open(tmp.resolve("source"), options)) {
            snapshot = exportSample(source);
        }
        int[] cuts = {0, 5, 52, 53, 60, snapshot.length / 2, snapshot.length - 41, snapshot.length - 33, snapshot.length - 1};
        for (int cut : cuts) {
            Path dir = tmp.resolve("cut" + cut);
            byte[] truncated = Arrays.copyOf(snapshot, cut);
            StoreException e = assertThrows(StoreException.class,
                    () -> TableStore.importSnapshot(dir, new ByteArrayInputStream(truncated), options), "cut at " + cut);
            assertTrue(e.getMessage().startsWith("table snap: snapshot is "), e.getMessage());
            assertEmpty(dir);
        }
    }

    @Test
    void corruptedSnapshotsAreRejected() throws Exception {
        StoreOptions options = new StoreOptions("snap", false);
        byte[] snapshot;
        try (TableStore source = TableStore.open(tmp.resolve("source"), options)) {
            snapshot = exportSample(source);
        }
        // magic, version, header revision, a record length, a record byte, the record count, the checksum
        int[] positions = {0, 11, 36, 53, 70, snapshot.length / 2, snapshot.length - 35, snapshot.length - 1};
        for (int pos : positions) {
            byte[] corrupted = snapshot.clone();
            corrupted[pos] ^= 0x40;
            Path dir = tmp.resolve("flip" + pos);
            StoreException e = assertThrows(StoreException.class,
                    () -> TableStore.importSnapshot(dir, new ByteArrayInputStream(corrupted), options), "flip at " + pos);
            assertTrue(e.getMessage().contains("table snap"), e.getMessage());
            assertEmpty(dir);
        }
    }

    @Test
    void importRefusesANonEmptyDirectory() throws Exception {
        StoreOptions options = new StoreOptions("snap", false);
        byte[] snapshot;
        try (TableStore source = TableStore.open(tmp.resolve("source"), options)) {
            snapshot = exportSample(source);
        }
        Path dir = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(dir.resolve("something"), "x");
        assertThrows(StoreException.class, () -> TableStore.importSnapshot(dir, new ByteArrayInputStream(snapshot), options));
        assertTrue(Files.exists(dir.resolve("something")));
    }

    private static void assertEmpty(Path dir) throws Exception {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(0, files.count(), dir + " not cleaned up");
            }
        }
    }
}
