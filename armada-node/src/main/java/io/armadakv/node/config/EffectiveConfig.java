package io.armadakv.node.config;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.List;

/**
 * The value each declared key has in a running process and the layer it came from, with secrets
 * already replaced: what Cluster.Status shows for {@code config=true}.
 */
public final class EffectiveConfig {

    /** What a secret's value is shown as, whether set or not, so not even its length leaks. */
    public static final String REDACTED = "**********";

    /** The source of a key no layer sets. */
    public static final String DEFAULT_SOURCE = "default";

    /** @param source a ConfigSource's name: a file's path, "environment", "command-line", ... or "default" */
    public record Entry(String key, String value, String source) {
    }

    private EffectiveConfig() {
    }

    public static List<Entry> of(Config config, List<ConfigKey> keys) {
        return keys.stream().map(k -> entry(config, k)).toList();
    }

    private static Entry entry(Config config, ConfigKey key) {
        String source = DEFAULT_SOURCE;
        String value = key.defaultValue();
        // MicroProfile Config lists its sources highest ordinal first; an empty value counts as unset
        for (ConfigSource s : config.getConfigSources()) {
            String v = s.getValue(key.name());
            if (v != null && !v.isEmpty()) {
                source = s.getName();
                value = v;
                break;
            }
        }
        return new Entry(key.name(), key.secret() ? REDACTED : value, source);
    }
}
