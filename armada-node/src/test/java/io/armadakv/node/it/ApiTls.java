package io.armadakv.node.it;

import io.armadakv.node.config.Endpoint;
import io.armadakv.node.tls.ClientChannels;
import io.armadakv.node.tls.TlsFileException;
import io.armadakv.node.config.TlsFiles;
import io.grpc.ManagedChannel;

import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * How a test reaches an https:// API: the CA it trusts and, for a node that wants client
 * certificates, the certificate it presents (null for none). Channels go to {@code localhost},
 * the name in the test server certificates.
 */
public record ApiTls(Path ca, Path cert, Path key) {

    public static ApiTls trusting(Path ca) {
        return new ApiTls(ca, null, null);
    }

    public TlsFiles files() {
        return TlsFiles.of("test cert", cert, "test key", key, "test ca", ca);
    }

    public ManagedChannel channel(int port) {
        try {
            return ClientChannels.open("test client", new Endpoint("https", "localhost", port), files(),
                    b -> b.maxInboundMessageSize(64 << 20));
        } catch (TlsFileException e) {
            throw new UncheckedIOException(e);
        }
    }
}
