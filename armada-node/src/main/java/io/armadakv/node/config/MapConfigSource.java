package io.armadakv.node.config;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Map;
import java.util.Set;

/** A fixed set of values as a MicroProfile ConfigSource with a name and a priority. */
public record MapConfigSource(String name, int ordinal, Map<String, String> values) implements ConfigSource {

    public MapConfigSource {
        values = Map.copyOf(values);
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
        return name;
    }

    @Override
    public int getOrdinal() {
        return ordinal;
    }
}
