package io.armadakv.node.replication;

import io.armadakv.node.config.ConfigKeys;
import io.armadakv.node.config.NodeConfig;
import io.armadakv.node.table.TableManager;
import io.armadakv.node.tls.CertificateWatch;
import io.armadakv.node.tls.TlsFileException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A leader-cluster node's replication endpoint: the QUIC server and what it serves. When the
 * certificate, key or CA files change, the QUIC listener is restarted on the same port with the
 * new material: kwik 0.10.8 fixes a server's certificate when the listener is built and offers
 * no way to replace it. The restart closes the open replication connections; replicators
 * reconnect by themselves and resume from their tables' leader index.
 */
public final class ReplicationEndpoint implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ReplicationEndpoint.class.getName());

    private final NodeConfig config;
    private final ReplicationHandler handler;
    private final InetSocketAddress bound;
    private volatile QuicServer server;
    private TlsMaterial tls;
    private CertificateWatch watch;
    private boolean closed;

    private ReplicationEndpoint(NodeConfig config, ReplicationHandler handler, QuicServer server, TlsMaterial tls) {
        this.config = config;
        this.handler = handler;
        this.server = server;
        this.bound = server.address();
        this.tls = tls;
    }

    public static ReplicationEndpoint start(NodeConfig config, TableManager tables) throws IOException {
        NodeConfig.Replication r = config.replication();
        List<Path> files = new ArrayList<>();
        for (Path p : new Path[] {r.certFile(), r.keyFile(), r.caFile()}) {
            if (p != null) {
                files.add(p);
            }
        }
        CertificateWatch.Fingerprint inUse = CertificateWatch.fingerprint(files);
        TlsMaterial tls = material(config);
        ReplicationHandler handler = new ReplicationHandler(tables, r.maxBatchBytes());
        InetSocketAddress bind = new InetSocketAddress(r.address().host(), r.address().port());
        QuicServer server;
        try {
            server = QuicServer.start(bind, tls, handler::handle);
        } catch (IOException e) {
            throw new IOException("cannot listen on replication.address " + r.address().hostPort() + " (UDP): "
                    + e.getMessage(), e);
        }
        if (r.caFile() == null) {
            LOG.info("replication endpoint accepts replicators without client certificates "
                    + "(set replication.ca-file for mutual TLS)");
        }
        ReplicationEndpoint endpoint = new ReplicationEndpoint(config, handler, server, tls);
        if (!files.isEmpty()) {
            endpoint.watch = CertificateWatch.start(ConfigKeys.REPLICATION_ADDRESS.name() + " certificates", files,
                    inUse, endpoint::reload);
        }
        return endpoint;
    }

    /** The endpoint's identity and client CAs as configured; errors name the key and the file. */
    private static TlsMaterial material(NodeConfig config) throws IOException {
        NodeConfig.Replication r = config.replication();
        TlsMaterial tls;
        if (r.certFile() != null) {
            try {
                tls = TlsMaterial.fromPem(r.certFile(), r.keyFile());
            } catch (IOException e) {
                throw new TlsFileException(ConfigKeys.REPLICATION_CERT_FILE.name() + " / "
                        + ConfigKeys.REPLICATION_KEY_FILE.name() + ": " + e.getMessage(), e);
            }
        } else {
            tls = TlsMaterial.devCertificate(config.nodeHostDir());
        }
        if (r.caFile() != null) {
            try {
                tls = tls.withClientTrust(r.caFile());
            } catch (IOException e) {
                throw new TlsFileException(ConfigKeys.REPLICATION_CA_FILE.name() + ": " + e.getMessage(), e);
            }
        }
        return tls;
    }

    // new material first, so unusable files leave the running listener alone
    private synchronized void reload() throws IOException {
        if (closed) {
            return;
        }
        TlsMaterial next = material(config);
        QuicServer current = server;
        current.close();
        try {
            server = restart(next);
            tls = next;
        } catch (IOException e) {
            try {
                server = restart(tls);
            } catch (IOException again) {
                LOG.log(Level.SEVERE, "replication endpoint on udp " + bound + " is down: cannot restart it with "
                        + "the previous certificates either: " + again.getMessage(), again);
            }
            throw e;
        }
    }

    /** The closed listener's port may still be held for a moment; QuicServer.start waits for it. */
    private QuicServer restart(TlsMaterial material) throws IOException {
        return QuicServer.start(bound, material, handler::handle);
    }

    public String address() {
        return bound.getHostString() + ":" + bound.getPort();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (watch != null) {
            watch.close();
        }
        server.close();
    }
}
