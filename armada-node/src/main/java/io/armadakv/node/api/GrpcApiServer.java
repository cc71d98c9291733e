package io.armadakv.node.api;

import io.armadakv.node.config.ConfigKeys;
import io.armadakv.node.config.NodeConfig;
import io.armadakv.node.tls.ReloadingTls;
import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The client API port: grpc-java's own Netty server, started inside the Helidon application
 * (ARCHITECTURE.md decision 6: Helidon 4.2.0's gRPC handler leaks a stream per call).
 * With {@code https://} it serves TLS from key and trust managers that take renewed certificate
 * files for every later handshake, optionally requiring client certificates.
 */
public final class GrpcApiServer implements AutoCloseable {

    private final Server server;
    // the certificate files' watch for https://, or null
    private final ReloadingTls tls;
    // counts and caps accepted connections when api.max-concurrent-connections is set, or null
    private final ConnectionLimiter connections;
    // runs the calls of BlockingServices, which must not hold an event loop while they wait
    private final ExecutorService blockingCalls;

    private GrpcApiServer(Server server, ReloadingTls tls, ConnectionLimiter connections, ExecutorService blockingCalls) {
        this.blockingCalls = blockingCalls;
        this.server = server;
        this.tls = tls;
        this.connections = connections;
    }

    public static GrpcApiServer start(NodeConfig config, List<BindableService> services) throws IOException {
        return start(config, services, List.of());
    }

    /** @param interceptors applied to every service, the first of the list outermost */
    public static GrpcApiServer start(NodeConfig config, List<BindableService> services,
                                      List<ServerInterceptor> interceptors) throws IOException {
        ReloadingTls tls = config.api().tls() ? ReloadingTls.open(ConfigKeys.API_ADDRESS.name() + " certificates",
                config.apiTls().files(), Verification.CERTIFICATE_ONLY_VERIFICATION) : null;
        NettyServerBuilder builder = NettyServerBuilder
                .forAddress(new InetSocketAddress(config.api().host(), config.api().port()), credentials(config, tls))
                .maxInboundMessageSize(config.maxRecvMessageSize())
                .permitKeepAliveTime(30, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                // handlers run on the event loop that read the request: KV calls never block, and a hand-off
                // to an executor thread and back per call halved serializable reads over 12 connections here
                // (docs/benchmarks.md); services that block say so and get a pool of their own
                .directExecutor();
        NodeConfig.ApiLimits limits = config.apiLimits();
        if (limits.maxConcurrentStreams() > 0) {
            builder.maxConcurrentCallsPerConnection(limits.maxConcurrentStreams());
        }
        ConnectionLimiter connections = limits.maxConcurrentConnections() > 0
                ? ConnectionLimiter.install(builder, limits.maxConcurrentConnections()) : null;
        // ServerInterceptors.intercept runs the last interceptor given first: reverse so the list's first is outermost
        ServerInterceptor[] chain = interceptors.reversed().toArray(ServerInterceptor[]::new);
        ExecutorService blockingCalls = Executors.newCachedThreadPool(
                Thread.ofPlatform().daemon().name("armada-blocking-calls-", 0).factory());
        for (BindableService s : services) {
            ServerServiceDefinition definition = s instanceof BlockingService
                    ? ServerInterceptors.intercept(s, new OffloadingInterceptor(blockingCalls)) : s.bindService();
            builder.addService(ServerInterceptors.intercept(definition, chain));
        }
        builder.addService(ProtoReflectionService.newInstance());
        NodeConfig.ApiTls apiTls = config.apiTls();
        if (apiTls.clientCertAuth() && !(apiTls.allowedCn().isEmpty() && apiTls.allowedHostname().isEmpty())) {
            builder.intercept(new ClientCertificateCheck(apiTls.allowedCn(), apiTls.allowedHostname()));
        }
        try {
            return new GrpcApiServer(builder.build().start(), tls, connections, blockingCalls);
        } catch (IOException e) {
            blockingCalls.shutdownNow();
            if (tls != null) {
                tls.close();
            }
            if (connections != null) {
                connections.close();
            }
            throw new IOException("cannot listen on api.address " + config.api().url() + ": " + e.getMessage(), e);
        }
    }

    private static ServerCredentials credentials(NodeConfig config, ReloadingTls tls) {
        if (tls == null) {
            return InsecureServerCredentials.create();
        }
        TlsServerCredentials.Builder credentials = TlsServerCredentials.newBuilder().keyManager(tls.keyManager());
        if (config.apiTls().clientCertAuth()) {
            credentials.trustManager(tls.trustManager()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
        }
        return credentials.build();
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        if (tls != null) {
            tls.close();
        }
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
        blockingCalls.shutdownNow();
    }
}
