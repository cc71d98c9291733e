package io.armadakv.node.config;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EffectiveConfigTest {

    static final ConfigKey TOKEN = ConfigKey.secret("test.token", "a test-only secret");

    @TempDir
    Path tmp;

    @Test
    void eachKeyShowsItsValueAndTheLayerItCameFrom() throws IOException {
        Files.writeString(tmp.resolve("armada.yaml"), "raft:\n  address: 10.0.0.1:1\nlog.level: FINE\n");
        List<ConfigKey> keys = new ArrayList<>(ConfigKeys.settable());
        Config c = ConfigProviderResolver.instance().getBuilder().withSources(
                new ConfigLayers("armada", keys, List.of(tmp), Map.of("LOG_LEVEL", "WARNING"))
                        .sources(List.of("--api.max-key-size=10")).toArray(ConfigSource[]::new)).build();
        Map<String, EffectiveConfig.Entry> byKey = EffectiveConfig.of(c, keys).stream()
                .collect(Collectors.toMap(EffectiveConfig.Entry::key, Function.identity()));
        assertEquals(new EffectiveConfig.Entry("raft.address", "10.0.0.1:1",
                tmp.resolve("armada.yaml").toAbsolutePath().toString()), byKey.get("raft.address"));
        assertEquals(new EffectiveConfig.Entry("log.level", "WARNING", "environment"), byKey.get("log.level"));
        assertEquals(new EffectiveConfig.Entry("api.max-key-size", "10", "command-line"),
                byKey.get("api.max-key-size"));
        assertEquals(new EffectiveConfig.Entry("api.max-value-size", "2097152", "default"),
                byKey.get("api.max-value-size"));
    }

    @Test
    void aSecretIsRedactedWhicheverLayerSetItAndWhenUnset() {
        for (MapConfigSource layer : List.of(new MapConfigSource("command-line", 500, Map.of("test.token", "s3cr3t")),
                new MapConfigSource("environment", 310, Map.of("test.token", "s3cr3t")),
                new MapConfigSource("empty", 1, Map.of()))) {
            Config c = ConfigProviderResolver.instance().getBuilder().withSources(layer).build();
            EffectiveConfig.Entry e = EffectiveConfig.of(c, List.of(TOKEN)).get(0);
            assertEquals(EffectiveConfig.REDACTED, e.value());
        }
    }
}
