package io.armadakv.node.api;

import io.armadakv.node.config.NodeConfig;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionService;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client API port: grpc-java's own Netty server, started inside the Helidon application
 * (ARCHITECTURE.md decision 6: Helidon 4.2.0's gRPC handler leaks a stream per call).
 */
public final class GrpcApiServer implements AutoCloseable {

    private final Server server;
    private final ConnectionLimiter connections;

    private GrpcApiServer(Server server, ConnectionLimiter connections) {
        this.server = server;
        this.connections = connections;
    }

    public static GrpcApiServer start(NodeConfig config, List<BindableService> services) throws IOException {
        return start(config, services, List.of());
    }

    /** @param interceptors applied to every service, the first of the list outermost */
    public static GrpcApiServer start(NodeConfig config, List<BindableService> services,
                                      List<ServerInterceptor> interceptors) throws IOException {
        NettyServerBuilder builder = NettyServerBuilder
                .forAddress(new InetSocketAddress(config.api().host(), config.api().port()))
                .maxInboundMessageSize(config.maxRecvMessageSize())
                .permitKeepAliveTime(30, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        NodeConfig.ApiLimits limits = config.apiLimits();
        if (limits.maxConcurrentStreams() > 0) {
            builder.maxConcurrentCallsPerConnection(limits.maxConcurrentStreams());
        }
        ConnectionLimiter connections = limits.maxConcurrentConnections() > 0
                ? ConnectionLimiter.install(builder, limits.maxConcurrentConnections()) : null;
        // ServerInterceptors.intercept runs the last interceptor given first: reverse so the list's first is outermost
        ServerInterceptor[] chain = interceptors.reversed().toArray(ServerInterceptor[]::new);
        services.forEach(s -> builder.addService(ServerInterceptors.intercept(s, chain)));
        builder.addService(ProtoReflectionService.newInstance());
        try {
            return new GrpcApiServer(builder.build().start(), connections);
        } catch (IOException e) {
            if (connections != null) {
                connections.close();
            }
            throw new IOException("cannot listen on api.address " + config.api().url() + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (connections != null) {
            connections.close();
        }
    }
}
