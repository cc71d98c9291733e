package io.armadakv.node.config;

import java.net.URI;
import java.net.URISyntaxException;

/** A listen or peer address: {@code http://host:port}, {@code https://host:port} or {@code host:port}. */
public record Endpoint(String scheme, String host, int port) {

    public boolean tls() {
        return "https".equals(scheme);
    }

    public String url() {
        return scheme + "://" + host + ":" + port;
    }

    public String hostPort() {
        return host + ":" + port;
    }

    public static Endpoint parseUrl(String key, String value) {
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw new ConfigException(key + ": '" + value + "' is not a URL like http://host:port");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
            throw new ConfigException(key + ": '" + value + "' must start with http:// or https://");
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new ConfigException(key + ": '" + value + "' needs a host and a port, like http://127.0.0.1:8443");
        }
        if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
            throw new ConfigException(key + ": '" + value + "' must not have a path");
        }
        return new Endpoint(scheme, uri.getHost(), checkPort(key, value, uri.getPort()));
    }

    public static Endpoint parseHostPort(String key, String value) {
        String v = value.trim();
        int colon = v.lastIndexOf(':');
        if (colon <= 0 || colon == v.length() - 1) {
            throw new ConfigException(key + ": '" + value + "' is not host:port");
        }
        int port;
        try {
            port = Integer.parseInt(v.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": '" + value + "' has no numeric port");
        }
        String host = v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new Endpoint("tcp", host, checkPort(key, value, port));
    }

    private static int checkPort(String key, String value, int port) {
        if (port < 1 || port > 65535) {
            throw new ConfigException(key + ": port of '" + value + "' is outside 1-65535");
        }
        return port;
    }
}
