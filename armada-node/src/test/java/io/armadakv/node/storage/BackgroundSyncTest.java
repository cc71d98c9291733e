package io.armadakv.node.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
            assertEquals(0, store.syncWrittenLog(1), "nothing written since the last sync");

            write(store, 300 * 1024);
            long second = store.syncWrittenLog(1);
            assertTrue(second >= 300 * 1024 && second < MIB, "covers only what came after the last sync, was " + second);
        }
    }

    @Test
    void followsTheLogIntoItsNextFile() {
        // Xodus' log files are 8 MiB: 20 MiB of writes fill two and go on in a third
        try (TableStore store = TableStore.open(tmp.resolve("t"), new StoreOptions("t", false))) {
            long covered = 0;
            for (int i = 0; i < 20; i++) {
                write(store, MIB);
                covered += store.syncWrittenLog(MIB / 2);
            }
            assertTrue(covered >= 20 * MIB, "every MiB written was covered by a sync, was " + covered);
            assertEquals(0, store.syncWrittenLog(1));
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
        store.close();
        assertEquals(0, store.syncWrittenLog(1));
        assertEquals(0, store.syncWrittenLog(0), "0 turns it off");
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
