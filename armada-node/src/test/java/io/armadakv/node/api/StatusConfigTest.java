package io.armadakv.node.api;

import armada.v1.StatusResponse;
import com.google.protobuf.util.JsonFormat;
import io.armadakv.node.config.ConfigKey;
import io.armadakv.node.config.ConfigKeys;
import io.armadakv.node.config.ConfigLayers;
import io.armadakv.node.config.EffectiveConfig;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class StatusConfigTest {

    private static final String SECRET = "hunter2-very-secret";

    @TempDir
    Path tmp;

    @Test
    void statusConfigIsKeyToValueAndSourceAndNeverHoldsASecret() throws Exception {
        ConfigKey token = new ConfigKey("test.token", ConfigKey.Type.STRING, "", "test-only secret", true);
        ConfigKey other = new ConfigKey("test.other-token", ConfigKey.Type.STRING, "", "test-only secret", true);
        List<ConfigKey> keys = new ArrayList<>(ConfigKeys.settable());
        keys.add(token);
        keys.add(other);
        Files.writeString(tmp.resolve("armada.toml"), "[test]\nother-token = \"" + SECRET + "-file\"\n");
        Config c = ConfigProviderResolver.instance().getBuilder().withSources(
                new ConfigLayers("armada", keys, List.of(tmp), Map.of("TEST_TOKEN", SECRET + "-env"))
                        .sources(List.of("--test.token=" + SECRET, "--raft.address=10.1.1.1:7"))
                        .toArray(ConfigSource[]::new)).build();
        StatusResponse response = StatusResponse.newBuilder()
                .setConfig(ClusterService.configStruct(EffectiveConfig.of(c, keys))).build();

        var raft = response.getConfig().getFieldsOrThrow("raft.address").getStructValue();
        assertEquals("10.1.1.1:7", raft.getFieldsOrThrow("value").getStringValue());
        assertEquals("command-line", raft.getFieldsOrThrow("source").getStringValue());
        var t = response.getConfig().getFieldsOrThrow("test.token").getStructValue();
        assertEquals(EffectiveConfig.REDACTED, t.getFieldsOrThrow("value").getStringValue());
        assertEquals("command-line", t.getFieldsOrThrow("source").getStringValue());
        assertEquals(EffectiveConfig.REDACTED, response.getConfig().getFieldsOrThrow("test.other-token")
                .getStructValue().getFieldsOrThrow("value").getStringValue());

        String wire = response.toByteString().toString(StandardCharsets.ISO_8859_1);
        String json = JsonFormat.printer().print(response);
        for (String form : List.of(wire, json, response.toString())) {
            assertFalse(form.contains("hunter2"), form);
        }
    }
}
