package io.armadakv.replicator;

import io.armadakv.node.config.ConfigException;
import io.armadakv.node.config.ReplicatorKeys;
import io.armadakv.node.tls.CertificateWatch;
import io.armadakv.replicator.quic.ClientTls;
import io.armadakv.replicator.quic.LeaderConnection;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/** The QUIC connection to the leader cluster that a replicator's configuration describes. */
final class LeaderConnections {

    private LeaderConnections() {
    }

    /** @throws ConfigException when the certificate files cannot be used */
    static LeaderConnection open(ReplicatorConfig config) {
        List<Path> files = Stream.of(config.caFile(), config.certFile(), config.keyFile())
                .filter(Objects::nonNull).toList();
        CertificateWatch.Fingerprint inUse = CertificateWatch.fingerprint(files);
        ClientTls tls;
        try {
            tls = clientTls(config);
        } catch (IOException e) {
            throw new ConfigException(e.getMessage());
        }
        LeaderConnection connection = new LeaderConnection(config.leaderAddresses().stream()
                .map(e -> e.hostPort()).toList(), tls, Duration.ofSeconds(5));
        if (!files.isEmpty()) {
            // lives as long as the process: a replicator has one leader connection
            CertificateWatch.start(ReplicatorKeys.LEADER_ADDRESS.name() + " client certificates", files, inUse,
                    () -> connection.useTls(clientTls(config)));
        }
        return connection;
    }

    private static ClientTls clientTls(ReplicatorConfig config) throws IOException {
        ClientTls tls;
        try {
            tls = config.caFile() != null ? ClientTls.trustCa(config.caFile()) : ClientTls.insecureSkipVerify();
        } catch (IOException e) {
            throw new IOException(ReplicatorKeys.CA_FILE.name() + ": " + e.getMessage(), e);
        }
        if (config.certFile() != null) {
            try {
                tls = tls.withClientCertificate(config.certFile(), config.keyFile());
            } catch (IOException e) {
                throw new IOException(ReplicatorKeys.CERT_FILE.name() + " / " + ReplicatorKeys.KEY_FILE.name() + ": "
                        + e.getMessage(), e);
            }
        }
        return tls;
    }
}
