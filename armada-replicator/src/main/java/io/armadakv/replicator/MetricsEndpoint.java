package io.armadakv.replicator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.armadakv.node.config.Endpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** The replicator's HTTP port: {@code /metrics} in Prometheus text 0.0.4, {@code /health/live}. */
final class MetricsEndpoint implements AutoCloseable {

    private final HttpServer server;

    private MetricsEndpoint(HttpServer server) {
        this.server = server;
    }

    static MetricsEndpoint start(Endpoint address, Supplier<String> metrics) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(address.host(), address.port()), 16);
        } catch (IOException e) {
            throw new IOException("cannot listen on rest.address " + address.url() + ": " + e.getMessage(), e);
        }
        server.createContext("/metrics", exchange -> reply(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                metrics.get()));
        server.createContext("/health/live", exchange -> reply(exchange, 200, "application/json",
                "{\"status\":\"UP\",\"checks\":[{\"name\":\"replicator\",\"status\":\"UP\"}]}"));
        server.start();
        return new MetricsEndpoint(server);
    }

    private static void reply(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
