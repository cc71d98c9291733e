package io.armadakv.node.replication;

import tech.kwik.core.QuicConnection;
import tech.kwik.core.QuicStream;
import tech.kwik.core.server.ApplicationProtocolConnection;
import tech.kwik.core.server.ApplicationProtocolConnectionFactory;
import tech.kwik.core.server.ServerConnectionConfig;
import tech.kwik.core.server.ServerConnector;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The leader cluster's replication endpoint: QUIC over UDP, TLS 1.3 with ALPN {@value #ALPN}.
 * Each bidirectional stream a peer opens carries one request and its answer; each is served by
 * the {@link StreamHandler} on its own virtual thread.
 */
public final class QuicServer implements AutoCloseable {

    public static final String ALPN = "armada-repl/1";
    /** Streams one connection may have open at once; a client waits for a free one beyond that. */
    public static final int MAX_CONCURRENT_STREAMS = 128;
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** The application error code of a stream reset because its handler failed. */
    public static final long HANDLER_FAILED = 1;

    private static final Logger LOG = Logger.getLogger(QuicServer.class.getName());
    private static final String KEY_ALIAS = "server";
    private static final long STREAM_RECEIVE_BUFFER = 1024 * 1024;
    private static final long CONNECTION_RECEIVE_BUFFER = 16 * STREAM_RECEIVE_BUFFER;
    // the curves kwik can sign with, by name and by OID (what the JDK reports depends on its version)
    private static final Map<String, String> KWIK_CURVES = Map.of(
            "secp256r1", "secp256r1", "1.2.840.10045.3.1.7", "secp256r1",
            "secp384r1", "secp384r1", "1.3.132.0.34", "secp384r1",
            "secp521r1", "secp521r1", "1.3.132.0.35", "secp521r1");

    private final ServerConnector connector;
    private final InetSocketAddress address;
    private final StreamHandler handler;

    private QuicServer(ServerConnector connector, InetSocketAddress address, StreamHandler handler) {
        this.connector = connector;
        this.address = address;
        this.handler = handler;
    }

    /**
     * Binds {@code address} (port 0 picks a free port) and starts serving.
     *
     * @throws UnsupportedOperationException if {@code tls} asks for client certificates: kwik 0.10.8's
     *         server cannot request them, and accepting every client instead would be worse than not starting
     */
    public static QuicServer start(InetSocketAddress address, TlsMaterial tls, StreamHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        if (tls.requiresClientCertificates()) {
            throw new UnsupportedOperationException("mutual TLS on the QUIC replication endpoint " + address
                    + " is not available: kwik 0.10.8 (agent15 3.1) cannot request client certificates");
        }
        String curve = kwikCurve(tls);
        DatagramSocket socket;
        try {
            socket = new DatagramSocket(address);
        } catch (SocketException e) {
            throw new IOException("cannot bind the QUIC replication endpoint to udp " + address + ": " + e.getMessage(), e);
        }
        InetSocketAddress bound = (InetSocketAddress) socket.getLocalSocketAddress();
        ServerConnector connector;
        try {
            char[] keyPassword = KEY_ALIAS.toCharArray(); // protects an in-memory copy only
            connector = ServerConnector.builder()
                    .withSocket(socket)
                    .withKeyStore(tls.keyStore(KEY_ALIAS, keyPassword), KEY_ALIAS, keyPassword, curve)
                    .withConfiguration(connectionConfig())
                    .withLogger(new KwikLogger(QuicServer.class.getName() + ".kwik"))
                    .build();
        } catch (GeneralSecurityException | RuntimeException e) {
            socket.close();
            throw new IOException("cannot start the QUIC replication endpoint on udp " + bound + " with "
                    + tls + ": " + e.getMessage(), e);
        }
        QuicServer server = new QuicServer(connector, bound, handler);
        connector.registerApplicationProtocol(ALPN, server.new Protocol());
        connector.start();
        return server;
    }

    public int port() {
        return address.getPort();
    }

    public InetSocketAddress address() {
        return address;
    }

    /** Closes every connection (their streams fail on both sides) and releases the port. */
    @Override
    public void close() {
        connector.close();
    }

    private static ServerConnectionConfig connectionConfig() {
        return ServerConnectionConfig.builder()
                .maxIdleTimeout((int) IDLE_TIMEOUT.toMillis())
                .maxOpenPeerInitiatedBidirectionalStreams(MAX_CONCURRENT_STREAMS)
                .maxOpenPeerInitiatedUnidirectionalStreams(0)
                .maxBidirectionalStreamBufferSize(STREAM_RECEIVE_BUFFER)
                .maxConnectionBufferSize(CONNECTION_RECEIVE_BUFFER)
                // peers are a few long-lived replicators: an extra round trip per handshake buys nothing
                .retryRequired(ServerConnectionConfig.RetryRequired.Never)
                .build();
    }

    // kwik needs the curve named when the key is EC; null lets it handle RSA.
    private static String kwikCurve(TlsMaterial tls) throws IOException {
        if (!(tls.certificateChain().getFirst().getPublicKey() instanceof ECPublicKey key)) {
            return null;
        }
        String curve;
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(key.getParams());
            curve = parameters.getParameterSpec(ECGenParameterSpec.class).getName();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot tell the EC curve of " + tls + ": " + e.getMessage(), e);
        }
        String kwikName = KWIK_CURVES.get(curve);
        if (kwikName == null) {
            throw new IOException("the EC curve " + curve + " of " + tls + " is not supported; use P-256, P-384 or P-521");
        }
        return kwikName;
    }

    private void serve(QuicStream stream) {
        InputStream in = stream.getInputStream();
        OutputStream out = stream.getOutputStream();
        try {
            handler.handle(in, new KeepOpen(out));
            // kwik counts a stream as done, and lets the peer open another, only once both directions
            // ended; so the request side is read to its end even if the handler stopped earlier.
            in.transferTo(OutputStream.nullOutputStream());
            out.close();
        } catch (Throwable e) {
            // Input before output: kwik returns a stream credit each time the second direction ends.
            stream.abortReading(HANDLER_FAILED);
            stream.resetStream(HANDLER_FAILED);
            LOG.log(Level.FINE, "replication stream " + stream.getStreamId() + " on " + address + " failed; reset it", e);
            if (e instanceof Error error) {
                throw error;
            }
        }
    }

    private final class Protocol implements ApplicationProtocolConnectionFactory {

        @Override
        public ApplicationProtocolConnection createConnection(String protocol, QuicConnection connection) {
            return new ApplicationProtocolConnection() {
                @Override
                public void acceptPeerInitiatedStream(QuicStream stream) {
                    Thread.ofVirtual().name("quic-stream-" + stream.getStreamId()).start(() -> serve(stream));
                }
            };
        }

        @Override
        public int maxConcurrentPeerInitiatedBidirectionalStreams() {
            return MAX_CONCURRENT_STREAMS;
        }

        @Override
        public int maxConcurrentPeerInitiatedUnidirectionalStreams() {
            return 0;
        }
    }

    /** Hands the handler the stream's output without the power to end it. */
    private static final class KeepOpen extends FilterOutputStream {

        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() {
        }
    }
}
