package io.armadakv.node.config;

/**
 * One declared configuration key: the single place that says what a key is, its type, its
 * default and what it does. Start-up refuses keys that are not declared.
 */
public record ConfigKey(String name, Type type, String defaultValue, String description, boolean secret) {

    public enum Type { STRING, INT, LONG, BOOLEAN, URL, HOST_PORT, MEMBERS, PATH, DURATION_MS }

    public static ConfigKey of(String name, Type type, String defaultValue, String description) {
        return new ConfigKey(name, type, defaultValue, description, false);
    }

    static ConfigKey secret(String name, String description) {
        return new ConfigKey(name, Type.STRING, "", description, true);
    }
}
