package io.armadakv.node.config;

/**
 * One declared configuration key: the single place that says what a key is, its type, its
 * default and what it does. Start-up refuses keys that are not declared.
 */
public record ConfigKey(String name, Type type, String defaultValue, String description, boolean secret) {

    public enum Type { STRING, INT, LONG, BOOLEAN, URL, HOST_PORT, MEMBERS, URLS, HOST_PORTS, PATH, DURATION_MS }

    /** Whether a configuration file may give this key a list, which becomes its comma-separated value. */
    public boolean takesList() {
        return type == Type.MEMBERS || type == Type.URLS || type == Type.HOST_PORTS;
    }

    /** The environment variable that sets this key: dots and dashes become underscores, upper case. */
    public String envName() {
        return envName(name);
    }

    static String envName(String keyName) {
        return keyName.replace('.', '_').replace('-', '_').toUpperCase(java.util.Locale.ROOT);
    }

    public static ConfigKey of(String name, Type type, String defaultValue, String description) {
        return new ConfigKey(name, type, defaultValue, description, false);
    }

    public static ConfigKey secret(String name, String description) {
        return new ConfigKey(name, Type.STRING, "", description, true);
    }
}
