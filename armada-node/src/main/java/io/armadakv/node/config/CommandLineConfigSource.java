package io.armadakv.node.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code --key=value} flags of the command line: the highest-priority configuration source. */
public final class CommandLineConfigSource {

    static final int ORDINAL = 500;

    private CommandLineConfigSource() {
    }

    /** Parses flags; refuses anything that is not {@code --key=value} with a declared key. */
    public static MapConfigSource parse(List<String> args) {
        return parse(args, ConfigKeys.all());
    }

    /** Parses flags against another process's declared keys. */
    public static MapConfigSource parse(List<String> args, List<ConfigKey> declared) {
        Map<String, ConfigKey> byName = new LinkedHashMap<>();
        declared.forEach(k -> byName.put(k.name(), k));
        Map<String, String> values = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--")) {
                throw new ConfigException("unexpected argument '" + arg + "': flags are --key=value");
            }
            int eq = arg.indexOf('=');
            String key = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            ConfigKey k = byName.get(key);
            if (k == null) {
                throw new ConfigException("unknown configuration key '" + key + "'"
                        + ConfigValidator.suggestion(key, declared));
            }
            if (eq < 0) {
                if (k.type() != ConfigKey.Type.BOOLEAN) {
                    throw new ConfigException(key + ": missing value, use --" + key + "=VALUE");
                }
                values.put(key, "true");
            } else {
                values.put(key, arg.substring(eq + 1));
            }
        }
        return new MapConfigSource("command-line", ORDINAL, values);
    }
}
