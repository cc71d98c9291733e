package io.armadakv.node.logging;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Applies the {@code log.*} keys to java.util.logging, which every library here logs through
 * (Ratis via slf4j-jdk14): Armada's own level, one level for the chatty libraries, and the
 * line format of the root handlers.
 */
public final class LogSetup {

    /** Loggers of libraries that are noisy at INFO: quiet unless asked for. */
    static final List<String> LIBRARIES = List.of("org.apache.ratis", "jetbrains.exodus", "org.jboss.weld",
            "org.glassfish.jersey", "io.helidon", "io.grpc", "io.netty", "tech.kwik");

    static final String GARBLED_MESSAGES = "io.grpc.netty.shaded.io.grpc.netty.NettyServerStream";

    // java.util.logging keeps loggers weakly: a level set on a collected logger is lost
    private static final List<Logger> CONFIGURED = new ArrayList<>();

    private LogSetup() {
    }

    /**
     * @param armadaLevel    level of io.armadakv's loggers
     * @param librariesLevel level of {@link #LIBRARIES}
     * @param json           one JSON object per line instead of text
     */
    public static synchronized void apply(Level armadaLevel, Level librariesLevel, boolean json) {
        CONFIGURED.clear();
        Logger armada = Logger.getLogger("io.armadakv");
        armada.setLevel(armadaLevel);
        CONFIGURED.add(armada);
        for (String name : LIBRARIES) {
            Logger library = Logger.getLogger(name);
            library.setLevel(librariesLevel);
            CONFIGURED.add(library);
        }
        // grpc-java logs every message a client garbled (bad compression, bad framing) at WARNING with a
        // stack trace, so one hostile client could flood the log; the client gets the error anyway
        Logger garbled = Logger.getLogger(GARBLED_MESSAGES);
        garbled.setLevel(librariesLevel.intValue() < Level.INFO.intValue() ? librariesLevel : Level.SEVERE);
        CONFIGURED.add(garbled);
        Logger root = LogManager.getLogManager().getLogger("");
        Level lowest = armadaLevel.intValue() < librariesLevel.intValue() ? armadaLevel : librariesLevel;
        if (root.getLevel() == null || root.getLevel().intValue() > lowest.intValue()) {
            root.setLevel(lowest);
        }
        for (Handler h : root.getHandlers()) {
            if (h.getLevel().intValue() > lowest.intValue()) {
                h.setLevel(lowest);
            }
            if (json) {
                h.setFormatter(new JsonLogFormatter());
            }
        }
    }

    /** Reads and checks the {@code log.*} keys; a bad value is a one-line start-up error. */
    public static Settings read(org.eclipse.microprofile.config.Config config) {
        io.armadakv.node.config.ConfigReader r = new io.armadakv.node.config.ConfigReader(config);
        return new Settings(parse(io.armadakv.node.config.ConfigKeys.LOG_LEVEL.name(),
                r.string(io.armadakv.node.config.ConfigKeys.LOG_LEVEL)),
                parse(io.armadakv.node.config.ConfigKeys.LOG_LIBRARIES_LEVEL.name(),
                        r.string(io.armadakv.node.config.ConfigKeys.LOG_LIBRARIES_LEVEL)),
                r.oneOf(io.armadakv.node.config.ConfigKeys.LOG_FORMAT, "text", "json").equals("json"));
    }

    /** The {@code log.*} settings of a process. */
    public record Settings(Level armadaLevel, Level librariesLevel, boolean json) {
        public void apply() {
            LogSetup.apply(armadaLevel, librariesLevel, json);
        }
    }

    /** A level name as java.util.logging knows it, or the usual aliases (WARN, ERROR, DEBUG, TRACE). */
    public static Level parse(String key, String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        return switch (v) {
            case "WARN" -> Level.WARNING;
            case "ERROR" -> Level.SEVERE;
            case "DEBUG" -> Level.FINE;
            case "TRACE" -> Level.FINEST;
            default -> {
                try {
                    yield Level.parse(v);
                } catch (IllegalArgumentException e) {
                    throw new io.armadakv.node.config.ConfigException(key + ": '" + value
                            + "' is not a level (SEVERE/ERROR, WARNING/WARN, INFO, FINE/DEBUG, FINEST/TRACE, OFF, ALL)");
                }
            }
        };
    }
}
