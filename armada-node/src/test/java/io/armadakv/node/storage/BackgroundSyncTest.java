package io.armadakv.node.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TableStore#syncWrittenLog}: what it covers, and when it leaves a store alone. */
class BackgroundSyncTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path tmp;

    private long index;

    /** Writes about {@code bytes} of values in entries of 100 puts of 1 KiB. */
    private void write(TableStore store, long bytes) {
        byte[] value = new byte[1024];
        for (long written = 0; written < bytes; written += 100L * value.length) {
            long entry = ++index;
            store.apply(entry, 1, -1, w -> {
                for (int i = 0; i < 100; i++) {
                    w.put(("key/" + (entry * 100 + i) % 5000).getBytes(StandardCharsets.US_ASCII), value, false);
                }
                return null;
            });
        }
    }

    @Test
    void syncsOnceEnoughIsWrittenAndCoversWhatWasWrittenSince() {
        try (TableStore store = TableStore.open(tmp.resolve("t"), new StoreOptions("t", false))) {
            write(store, 200 * 1024);
            assertEquals(0, store.syncWrittenLog(MIB), "less than the threshold written: nothing to do");

            write(store, 2 * MIB);
            long first = store.syncWrittenLog(MIB);
            assertTrue(first >= 2 * MIB, "covers everything written so far, was " + first);
            assertEquals(first, store.backgroundSyncedAddress());
            assertEquals(0, store.syncWrittenLog(1), "nothing written since the last sync");

            write(store, 300 * 1024);
            long second = store.syncWrittenLog(1);
            assertTrue(second >= 300 * 1024 && second < MIB, "covers only what came after the last sync, was " + second);
        }
    }

    @Test
    void followsTheLogIntoItsNextFile() throws IOException {
        // Xodus' log files are 8 MiB: 20 MiB of writes fill two and go on in a third
        Path dir = tmp.resolve("t");
        try (TableStore store = TableStore.open(dir, new StoreOptions("t", false))) {
            write(store, MIB);
            store.syncWrittenLog(MIB / 2);
            Path first = store.backgroundSyncFile();
            assertEquals(newestLogFile(dir), first);
            long covered = 0;
            for (int i = 0; i < 19; i++) {
                write(store, MIB);
                covered += store.syncWrittenLog(MIB / 2);
                assertEquals(newestLogFile(dir), store.backgroundSyncFile(), "after " + (i + 2) + " MiB");
            }
            assertNotEquals(first, store.backgroundSyncFile(), "the log went on into another file");
            assertTrue(covered >= 19 * MIB, "every MiB written was covered by a sync, was " + covered);
            assertEquals(0, store.syncWrittenLog(1));
        }
    }

    private static Path newestLogFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".xd")).max(Comparator.naturalOrder()).orElseThrow();
        }
    }

    @Test
    void leavesDurableAndClosedStoresAlone() {
        try (TableStore durable = TableStore.open(tmp.resolve("d"), new StoreOptions("d", true))) {
            write(durable, 2 * MIB);
            assertEquals(0, durable.syncWrittenLog(1), "a durable store forces every commit itself");
        }
        index = 0;
        TableStore store = TableStore.open(tmp.resolve("t"), new StoreOptions("t", false));
        write(store, 2 * MIB);
        assertEquals(0, store.syncWrittenLog(0), "0 turns it off");
        assertEquals(0, store.backgroundSyncedAddress());
        store.close();
        assertEquals(0, store.syncWrittenLog(1), "a closed store");
        assertEquals(0, store.backgroundSyncedAddress());
    }

    @Test
    void writesSyncedInTheBackgroundReadBackAfterReopening() {
        Path dir = tmp.resolve("t");
        try (TableStore store = TableStore.open(dir, new StoreOptions("t", false))) {
            write(store, 3 * MIB);
            assertTrue(store.syncWrittenLog(MIB) > 0);
            write(store, 100 * 1024);
        }
        try (TableStore store = TableStore.open(dir, new StoreOptions("t", false))) {
            assertEquals(index, store.appliedIndex());
            RangeResult r = store.range(RangeQuery.of(KeyRange.single("key/142".getBytes(StandardCharsets.US_ASCII))));
            assertEquals(1, r.kvs().size());
            assertArrayEquals(new byte[1024], r.kvs().getFirst().value());
        }
    }
}
