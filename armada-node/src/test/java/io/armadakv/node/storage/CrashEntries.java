package io.armadakv.node.storage;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/** The deterministic entries of the crash test: entry i does the same writes in every JVM. */
final class CrashEntries {

    private CrashEntries() {
    }

    static void apply(TableStore store, long index) {
        store.apply(index, 1 + index / 100, index % 3 == 0 ? index * 10 : -1, w -> {
            write(w, index);
            return null;
        });
    }

    static void write(EntryWriter w, long index) {
        Random r = new Random(index);
        for (int i = 2 + r.nextInt(5); i > 0; i--) {
            byte[] key = ("k" + r.nextInt(40)).getBytes(StandardCharsets.US_ASCII);
            switch (r.nextInt(10)) {
                case 0, 1 -> w.deleteRange(KeyRange.single(key), false);
                case 2 -> w.deleteRange(KeyRange.prefix(("k" + r.nextInt(4)).getBytes(StandardCharsets.US_ASCII)), true);
                default -> {
                    byte[] value = new byte[r.nextInt(300)];
                    r.nextBytes(value);
                    w.put(key, value, r.nextBoolean());
                }
            }
        }
        if (index % 25 == 0 && w.revision() > 20) {
            w.compact(w.revision() - 20);
        }
    }
}
