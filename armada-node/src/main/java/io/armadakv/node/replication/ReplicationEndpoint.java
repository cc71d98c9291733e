package io.armadakv.node.replication;

import io.armadakv.node.config.NodeConfig;
import io.armadakv.node.table.TableManager;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.logging.Logger;

/** A leader-cluster node's replication endpoint: the QUIC server and what it serves. */
public final class ReplicationEndpoint implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ReplicationEndpoint.class.getName());

    private final QuicServer server;

    private ReplicationEndpoint(QuicServer server) {
        this.server = server;
    }

    public static ReplicationEndpoint start(NodeConfig config, TableManager tables) throws IOException {
        NodeConfig.Replication r = config.replication();
        TlsMaterial tls;
        if (r.certFile() != null) {
            tls = TlsMaterial.fromPem(r.certFile(), r.keyFile());
        } else {
            tls = TlsMaterial.devCertificate(config.nodeHostDir());
        }
        if (r.caFile() != null) {
            tls = tls.withClientTrust(r.caFile());
        }
        ReplicationHandler handler = new ReplicationHandler(tables, r.maxBatchBytes());
        InetSocketAddress bind = new InetSocketAddress(r.address().host(), r.address().port());
        try {
            QuicServer server = QuicServer.start(bind, tls, handler::handle);
            if (r.caFile() == null) {
                LOG.info("replication endpoint accepts replicators without client certificates "
                        + "(set replication.ca-file for mutual TLS)");
            }
            return new ReplicationEndpoint(server);
        } catch (IOException e) {
            throw new IOException("cannot listen on replication.address " + r.address().hostPort() + " (UDP): "
                    + e.getMessage(), e);
        }
    }

    public String address() {
        return server.address().getHostString() + ":" + server.port();
    }

    @Override
    public void close() {
        server.close();
    }
}
