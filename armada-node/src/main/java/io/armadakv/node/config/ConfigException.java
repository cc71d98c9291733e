package io.armadakv.node.config;

/** A configuration that cannot run; its message is the one line start-up prints. */
public class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }
}
