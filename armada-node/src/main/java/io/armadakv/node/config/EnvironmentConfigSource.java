package io.armadakv.node.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Environment variables as configuration: {@code RAFT_ADDRESS} sets {@code raft.address} (dots and
 * dashes become underscores, upper case). A variable that looks like ours (it starts with the upper
 * case form of a declared key's first part, like {@code RAFT_}) but names no key stops start-up,
 * so a typo is not silently ignored; every other variable belongs to someone else and is left alone.
 */
public final class EnvironmentConfigSource {

    /**
     * Above MicroProfile's own environment source (300), which answers the same names, so that a
     * value's reported source is this one.
     */
    static final int ORDINAL = 310;

    static final String NAME = "environment";

    private EnvironmentConfigSource() {
    }

    public static MapConfigSource from(Map<String, String> env, List<ConfigKey> declared) {
        Map<String, ConfigKey> byEnvName = new LinkedHashMap<>();
        for (ConfigKey k : declared) {
            ConfigKey clash = byEnvName.put(k.envName(), k);
            if (clash != null) {
                throw new IllegalStateException(k.name() + " and " + clash.name() + " share " + k.envName());
            }
        }
        Set<String> prefixes = prefixes(declared);
        Map<String, String> values = new LinkedHashMap<>();
        // sorted, so that of several mistakes the same one is reported every time
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            ConfigKey k = byEnvName.get(e.getKey());
            if (k != null) {
                values.put(k.name(), e.getValue());
            } else if (prefixes.stream().anyMatch(e.getKey()::startsWith)) {
                throw new ConfigException("environment variable " + e.getKey() + " is not a configuration key"
                        + ConfigValidator.closest(e.getKey(), byEnvName.keySet())
                        .map(best -> " (did you mean " + best + " for '" + byEnvName.get(best).name() + "'?)")
                        .orElse(""));
            }
        }
        return new MapConfigSource(NAME, ORDINAL, values);
    }

    /** RAFT_, API_, ...: the variable names that claim to be configuration of these keys. */
    static Set<String> prefixes(List<ConfigKey> declared) {
        return declared.stream()
                .map(k -> k.name().substring(0, k.name().indexOf('.') + 1))
                .filter(p -> !p.isEmpty())
                .map(p -> ConfigKey.envName(p).toUpperCase(Locale.ROOT))
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }
}
