package io.armadakv.node.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoresTest {

    /** Xodus ignores -Dexodus.memoryUsage, so the size must reach the environment's own config. */
    @Test
    void theConfiguredPageCacheSizeReachesXodus(@TempDir Path dir) {
        Stores sized = Stores.open(dir.resolve("sized"), new StoreOptions("sized", false, 3L << 20));
        try {
            assertEquals(3L << 20, sized.env().getEnvironmentConfig().getMemoryUsage());
        } finally {
            sized.env().close();
        }
        Stores unsized = Stores.open(dir.resolve("unsized"), new StoreOptions("unsized", false));
        try {
            assertNull(unsized.env().getEnvironmentConfig().getMemoryUsage(), "0 leaves Xodus' share of the heap");
        } finally {
            unsized.env().close();
        }
    }

    @Test
    void aNegativeCacheSizeIsRefusedWithTheTable() {
        String m = assertThrows(IllegalArgumentException.class, () -> new StoreOptions("orders", true, -1)).getMessage();
        assertTrue(m.startsWith("table orders: cache size must not be negative"), m);
    }
}
