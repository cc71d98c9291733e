package io.armadakv.node.cli;

import io.armadakv.node.config.Endpoint;
import io.armadakv.node.config.TlsFiles;
import io.armadakv.node.tls.ClientChannels;
import io.armadakv.node.tls.TlsFileException;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The CLI's channel to a node's API port. {@code https://}, a CA file or a client certificate
 * means TLS (the CA, or the JVM's trust store when none is given; the client certificate for a
 * node with api.client-cert-auth). The token goes in {@code authorization: Bearer} metadata
 * and, as API.md A-1 asks, only over TLS: over plaintext it is refused unless the address is a
 * loopback one, where nothing leaves the machine.
 */
final class ApiConnection implements AutoCloseable {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel managed;
    private final Channel channel;
    private final String target;

    private ApiConnection(ManagedChannel managed, Channel channel, String target) {
        this.managed = managed;
        this.channel = channel;
        this.target = target;
    }

    static ApiConnection open(String address, String token, Path ca) throws CliException, UsageException {
        return open(address, token, ca, null, null);
    }

    /** @param cert and {@code key}: a client certificate for mutual TLS, or both null */
    static ApiConnection open(String address, String token, Path ca, Path cert, Path key)
            throws CliException, UsageException {
        URI uri = parse(address);
        boolean tls = "https".equals(uri.getScheme()) || ca != null || cert != null;
        if (!tls && token != null && !token.isEmpty() && !loopback(uri.getHost())) {
            throw new UsageException("refusing to send the token in plaintext to " + address
                    + ": use an https:// address or --ca (a token may go in plaintext only to a loopback address)");
        }
        int port = uri.getPort() > 0 ? uri.getPort() : 8443;
        ManagedChannel managed;
        try {
            managed = ClientChannels.open("armada backup/restore",
                    new Endpoint(tls ? "https" : "http", uri.getHost(), port),
                    TlsFiles.of("--cert", cert, "--key", key, "--ca", ca),
                    b -> b.maxInboundMessageSize(16 * 1024 * 1024));
        } catch (TlsFileException e) {
            throw new CliException(e.getMessage());
        }
        Channel channel = managed;
        if (token != null && !token.isEmpty()) {
            Metadata headers = new Metadata();
            headers.put(AUTHORIZATION, "Bearer " + token);
            ClientInterceptor auth = MetadataUtils.newAttachHeadersInterceptor(headers);
            channel = ClientInterceptors.intercept(managed, auth);
        }
        return new ApiConnection(managed, channel, (tls ? "https://" : "http://") + uri.getHost() + ":" + port);
    }

    /** {@code http://host:port}, {@code https://host:port} or {@code host:port} (plaintext unless --ca). */
    static URI parse(String address) throws UsageException {
        String a = address.contains("://") ? address : "http://" + address;
        URI uri;
        try {
            uri = URI.create(a);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--address " + address + ": not an address: " + e.getMessage());
        }
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new UsageException("--address " + address + ": expected http://host:port or https://host:port");
        }
        return uri;
    }

    static boolean loopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    Channel channel() {
        return channel;
    }

    String target() {
        return target;
    }

    @Override
    public void close() {
        managed.shutdownNow();
        try {
            managed.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
