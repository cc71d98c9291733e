package io.armadakv.node.storage;

import java.nio.file.Path;

/**
 * The process the crash test kills: applies {@link CrashEntries} after the store's applied index,
 * with durable writes or not (args[1]), as fast as it can, and reports each committed index on stdout.
 */
public final class CrashChild {

    private CrashChild() {
    }

    public static void main(String[] args) {
        try (TableStore store = TableStore.open(Path.of(args[0]), new StoreOptions("crash", Boolean.parseBoolean(args[1])))) {
            System.out.println("opened " + store.appliedIndex());
            System.out.flush();
            for (long index = store.appliedIndex() + 1; ; index++) {
                CrashEntries.apply(store, index);
                // printed only after the commit returned: the parent relies on every printed index being durable
                System.out.println("applied " + index);
                System.out.flush();
            }
        }
    }
}
