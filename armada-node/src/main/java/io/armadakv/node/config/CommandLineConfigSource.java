package io.armadakv.node.config;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The {@code --key=value} flags of the command line: the highest-priority configuration source. */
public final class CommandLineConfigSource implements ConfigSource {

    static final int ORDINAL = 500;

    private final Map<String, String> values;

    private CommandLineConfigSource(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** Parses flags; refuses anything that is not {@code --key=value} with a declared key. */
    public static CommandLineConfigSource parse(List<String> args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--")) {
                throw new ConfigException("unexpected argument '" + arg + "': flags are --key=value");
            }
            int eq = arg.indexOf('=');
            String key = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            if (ConfigKeys.find(key).isEmpty()) {
                throw new ConfigException("unknown configuration key '" + key + "'" + ConfigValidator.suggestion(key));
            }
            if (eq < 0) {
                ConfigKey k = ConfigKeys.find(key).orElseThrow();
                if (k.type() != ConfigKey.Type.BOOLEAN) {
                    throw new ConfigException(key + ": missing value, use --" + key + "=VALUE");
                }
                values.put(key, "true");
            } else {
                values.put(key, arg.substring(eq + 1));
            }
        }
        return new CommandLineConfigSource(values);
    }

    @Override
    public Map<String, String> getProperties() {
        return values;
    }

    @Override
    public Set<String> getPropertyNames() {
        return values.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return values.get(propertyName);
    }

    @Override
    public String getName() {
        return "command-line";
    }

    @Override
    public int getOrdinal() {
        return ORDINAL;
    }
}
