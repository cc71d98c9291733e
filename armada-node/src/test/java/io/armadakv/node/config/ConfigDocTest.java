package io.armadakv.node.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigDocTest {

    @Test
    void docsConfigurationMdIsWhatTheGeneratorWrites() throws IOException {
        Path doc = Path.of("").toAbsolutePath().getParent().resolve("docs/configuration.md");
        assertTrue(Files.exists(doc), doc + " is missing: run ./armada config-doc > docs/configuration.md");
        assertEquals(ConfigDoc.markdown(), Files.readString(doc),
                "docs/configuration.md is stale: run ./armada config-doc > docs/configuration.md");
    }

    @Test
    void everyDeclaredKeyIsDocumentedWithItsEnvironmentVariable() {
        String md = ConfigDoc.markdown();
        for (ConfigKey k : ConfigKeys.settable()) {
            assertTrue(md.contains("| `" + k.name() + "` | `" + k.envName() + "` |"), k.name());
        }
        for (ConfigKey k : ReplicatorKeys.all()) {
            assertTrue(md.contains("| `" + k.name() + "` | `" + k.envName() + "` |"), k.name());
        }
    }
}
