package io.armadakv.replicator;

import io.armadakv.node.config.ConfigException;
import io.armadakv.replicator.quic.ClientTls;
import io.armadakv.replicator.quic.LeaderConnection;

import java.io.IOException;
import java.time.Duration;

/** The QUIC connection to the leader cluster that a replicator's configuration describes. */
final class LeaderConnections {

    private LeaderConnections() {
    }

    static LeaderConnection open(ReplicatorConfig config) {
        ClientTls tls;
        try {
            tls = config.caFile() != null ? ClientTls.trustCa(config.caFile()) : ClientTls.insecureSkipVerify();
            if (config.certFile() != null) {
                tls = tls.withClientCertificate(config.certFile(), config.keyFile());
            }
        } catch (IOException e) {
            throw new ConfigException("replication TLS files: " + e.getMessage());
        }
        return new LeaderConnection(config.leaderAddresses().stream().map(e -> e.hostPort()).toList(), tls,
                Duration.ofSeconds(5));
    }
}
