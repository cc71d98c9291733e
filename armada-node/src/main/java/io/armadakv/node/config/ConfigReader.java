package io.armadakv.node.config;

import org.eclipse.microprofile.config.Config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads declared keys from MicroProfile Config and turns bad values into one clear line. */
public final class ConfigReader {

    private final Config config;

    public ConfigReader(Config config) {
        this.config = config;
    }

    public String string(ConfigKey key) {
        return config.getOptionalValue(key.name(), String.class).orElse(key.defaultValue());
    }

    public Endpoint url(ConfigKey key) {
        return Endpoint.parseUrl(key.name(), string(key));
    }

    /** A URL that must be http://: for listeners that do not speak TLS. */
    public Endpoint plainUrl(ConfigKey key) {
        Endpoint e = url(key);
        if (e.tls()) {
            throw new ConfigException(key.name() + ": serves plain HTTP only; use http:// and keep it on a "
                    + "loopback or private address");
        }
        return e;
    }

    public Endpoint hostPort(ConfigKey key) {
        return Endpoint.parseHostPort(key.name(), string(key));
    }

    public Path path(ConfigKey key) {
        String v = string(key);
        if (v.isBlank()) {
            throw new ConfigException(key.name() + ": must not be empty");
        }
        return Path.of(v).toAbsolutePath().normalize();
    }

    public boolean bool(ConfigKey key) {
        String v = string(key).trim().toLowerCase();
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(key.name() + ": '" + v + "' is not true or false");
        };
    }

    private long number(ConfigKey key) {
        String v = string(key).trim();
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(key.name() + ": '" + v + "' is not a number");
        }
    }

    public long positiveLong(ConfigKey key) {
        long n = number(key);
        if (n <= 0) {
            throw new ConfigException(key.name() + ": must be positive, got " + n);
        }
        return n;
    }

    public long nonNegativeLong(ConfigKey key) {
        long n = number(key);
        if (n < 0) {
            throw new ConfigException(key.name() + ": must not be negative, got " + n);
        }
        return n;
    }

    public int positiveInt(ConfigKey key) {
        long n = positiveLong(key);
        if (n > Integer.MAX_VALUE) {
            throw new ConfigException(key.name() + ": " + n + " is larger than " + Integer.MAX_VALUE);
        }
        return (int) n;
    }

    public int nonNegativeInt(ConfigKey key) {
        long n = nonNegativeLong(key);
        if (n > Integer.MAX_VALUE) {
            throw new ConfigException(key.name() + ": " + n + " is larger than " + Integer.MAX_VALUE);
        }
        return (int) n;
    }

    public Map<Long, Endpoint> members(ConfigKey key) {
        String v = string(key).trim();
        Map<Long, Endpoint> members = new LinkedHashMap<>();
        if (v.isEmpty()) {
            return members;
        }
        for (String part : v.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(key.name() + ": '" + p + "' is not id=host:port");
            }
            long id;
            try {
                id = Long.parseLong(p.substring(0, eq).trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(key.name() + ": member id '" + p.substring(0, eq) + "' is not a number");
            }
            if (id <= 0) {
                throw new ConfigException(key.name() + ": member id " + id + " must be positive");
            }
            if (members.put(id, Endpoint.parseHostPort(key.name(), p.substring(eq + 1))) != null) {
                throw new ConfigException(key.name() + ": member id " + id + " appears twice");
            }
        }
        return members;
    }

    /** A comma-separated list of URLs; empty when the key is unset. */
    public java.util.List<Endpoint> urls(ConfigKey key) {
        java.util.List<Endpoint> out = new java.util.ArrayList<>();
        for (String part : string(key).split(",")) {
            if (!part.isBlank()) {
                out.add(Endpoint.parseUrl(key.name(), part));
            }
        }
        return java.util.List.copyOf(out);
    }

    /** A comma-separated list of host:port; empty when the key is unset. */
    public java.util.List<Endpoint> hostPorts(ConfigKey key) {
        java.util.List<Endpoint> out = new java.util.ArrayList<>();
        for (String part : string(key).split(",")) {
            if (!part.isBlank()) {
                out.add(Endpoint.parseHostPort(key.name(), part));
            }
        }
        return java.util.List.copyOf(out);
    }

    /** A file that must exist when set; null when the key is empty. */
    public Path optionalFile(ConfigKey key) {
        String v = string(key);
        if (v.isBlank()) {
            return null;
        }
        Path p = Path.of(v).toAbsolutePath().normalize();
        if (!java.nio.file.Files.isReadable(p)) {
            throw new ConfigException(key.name() + ": cannot read " + p);
        }
        return p;
    }

    /** One of the given words, compared without case. */
    public String oneOf(ConfigKey key, String... allowed) {
        String v = string(key).trim().toLowerCase();
        for (String a : allowed) {
            if (a.equals(v)) {
                return a;
            }
        }
        throw new ConfigException(key.name() + ": '" + v + "' is not one of " + String.join(", ", allowed));
    }
}
