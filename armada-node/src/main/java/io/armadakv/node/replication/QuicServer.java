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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The leader cluster's replication endpoint: QUIC over UDP, TLS 1.3 with ALPN {@value #ALPN}.
 * Each bidirectional stream a peer opens carries one request and its answer; each is served by
 * the {@link StreamHandler} on its own virtual thread. When the TLS material names client CAs,
 * a connection's streams reach the handler only after the peer proved a certificate of theirs
 * on its first stream ({@link ClientAuthentication}).
 * <p>
 * Beware: kwik's server connector ends the JVM ({@code System.exit(9)}) if its UDP socket fails
 * while it is not closing, so nothing else may close that socket.
 */
public final class QuicServer implements AutoCloseable {

    /** How long a fixed port that is still held by a closing listener is waited for. */
    private static final Duration REBIND_WAIT = Duration.ofSeconds(5);

    public static final String ALPN = "armada-repl/1";
    /** Streams one connection may have open at once; a client waits for a free one beyond that. */
    public static final int MAX_CONCURRENT_STREAMS = 128;
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** The application error code of a stream reset because its handler failed. */
    public static final long HANDLER_FAILED = 1;
    /** How long a write may wait for send buffer space before the stall guard nudges kwik's sender. */
    static final Duration STALLED_WRITE = Duration.ofMillis(20);
    /** How long a finished answer is still nudged: kwik may strand its tail after the stream was closed. */
    static final Duration FINISHED_WATCH = Duration.ofSeconds(10);

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
    private final Set<StreamOutput> outputs = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService stallGuard;
    // CAs a client must prove a certificate of; empty when clients are not authenticated
    private final java.util.List<java.security.cert.X509Certificate> clientTrust;

    private QuicServer(ServerConnector connector, InetSocketAddress address, StreamHandler handler,
                       java.util.List<java.security.cert.X509Certificate> clientTrust) {
        this.connector = connector;
        this.clientTrust = clientTrust;
        this.address = address;
        this.handler = handler;
        this.stallGuard = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("quic-stall-guard-" + address.getPort()).factory());
        long period = STALLED_WRITE.toMillis();
        stallGuard.scheduleWithFixedDelay(this::nudgeStalledWrites, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Binds the UDP socket. A listener closed on the same port a moment ago frees it only when
     * kwik's receiving thread has left its socket, so a busy fixed port is retried for a while.
     */
    private static DatagramSocket bind(InetSocketAddress address) throws IOException {
        long deadline = System.nanoTime() + REBIND_WAIT.toNanos();
        while (true) {
            try {
                return new DatagramSocket(address);
            } catch (SocketException e) {
                if (!(e instanceof java.net.BindException) || address.getPort() == 0 || System.nanoTime() - deadline > 0) {
                    throw new IOException("cannot bind the QUIC replication endpoint to udp " + address + ": "
                            + e.getMessage(), e);
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for udp " + address + " to be free", e);
            }
        }
    }

    /**
     * Binds {@code address} (port 0 picks a free port) and starts serving.
     *
     */
    public static QuicServer start(InetSocketAddress address, TlsMaterial tls, StreamHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        String curve = kwikCurve(tls);
        DatagramSocket socket = bind(address);
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
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            socket.close();
            throw new IOException("cannot start the QUIC replication endpoint on udp " + bound + " with "
                    + tls + ": " + e.getMessage(), e);
        }
        QuicServer server = new QuicServer(connector, bound, handler, tls.clientTrust());
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

    /**
     * Closes every connection (their streams fail on both sides) and the socket. The port is free
     * once kwik's receiving thread has left the socket, a moment after this returns.
     */
    @Override
    public void close() {
        stallGuard.shutdownNow();
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

    private void serve(QuicConnection connection, QuicStream stream, java.util.concurrent.atomic.AtomicBoolean authenticated) {
        InputStream in = stream.getInputStream();
        OutputStream out = stream.getOutputStream();
        StreamOutput handlerOut = new StreamOutput(out, KwikNudge.of(connection, stream, out));
        outputs.add(handlerOut);
        try {
            if (!clientTrust.isEmpty() && !authenticated.get()) {
                authenticate(in, handlerOut, authenticated);
            } else {
                handler.handle(in, handlerOut);
            }
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
        } finally {
            // the stranded tail of a finished answer needs nudging too: keep watching it a while
            handlerOut.finished(System.nanoTime());
        }
    }

    private void authenticate(InputStream in, OutputStream out, java.util.concurrent.atomic.AtomicBoolean authenticated)
            throws IOException {
        replication.v1.Replication.ReplicationRequest first = BoundedRequest.read(in,
                replication.v1.Replication.ReplicationRequest.parser());
        if (first == null || !first.hasClientAuth()) {
            replication.v1.Replication.ReplicationFrame.newBuilder().setError(replication.v1.Replication.StreamError
                    .newBuilder().setCode("UNAUTHENTICATED").setMessage("this leader requires a client certificate "
                            + "signed by its replication.ca-file; set the replicator's replication.cert-file and key-file"))
                    .build().writeDelimitedTo(out);
            return;
        }
        if (!ClientAuthentication.serve(first.getClientAuth(), in, out, clientTrust, () -> authenticated.set(true))) {
            LOG.warning("replication endpoint " + address + " refused a replicator's client certificate");
        }
    }

    /*
     * kwik 0.10.8 can strand a stream's data: StreamOutputStreamImpl queues a send request and only
     * then counts it, so when the sender thread runs the request in between, the request it queues
     * for the rest of the data is skipped. Nothing is sent until the writer writes again, and a
     * writer waiting for space in the full send buffer never does: the stream stalls for good
     * (measured on loopback: 4 in 10 answers of 20 MiB), as does the last frame of a handler that
     * waits for more to send. Asking the stream to schedule a send, as
     * kwik itself does when flow control opens, and waking the sender repairs it; both go through
     * kwik classes outside its API, so with another kwik the nudge quietly does nothing.
     */
    private void nudgeStalledWrites() {
        long now = System.nanoTime();
        for (StreamOutput output : outputs) {
            if (output.finishedBefore(now - FINISHED_WATCH.toNanos())) {
                outputs.remove(output);
            } else {
                output.nudgeIfStalled(now);
            }
        }
    }

    private final class Protocol implements ApplicationProtocolConnectionFactory {

        @Override
        public ApplicationProtocolConnection createConnection(String protocol, QuicConnection connection) {
            java.util.concurrent.atomic.AtomicBoolean authenticated = new java.util.concurrent.atomic.AtomicBoolean();
            return new ApplicationProtocolConnection() {
                @Override
                public void acceptPeerInitiatedStream(QuicStream stream) {
                    Thread.ofVirtual().name("quic-stream-" + stream.getStreamId())
                            .start(() -> serve(connection, stream, authenticated));
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

    /** The stream's output as the handler sees it: without the power to end the stream, and watched for stalls. */
    private static final class StreamOutput extends FilterOutputStream {

        private final Runnable nudge;
        // when the current write began, or 0
        private volatile long writingSince;
        // when the last write ended, or 0 before the first
        private volatile long wroteAt;
        // when the quiet tail after the last write is nudged next, and how many nudges it has had
        private long tailNudgeAt;
        private int tailNudges;

        StreamOutput(OutputStream out, Runnable nudge) {
            super(out);
            this.nudge = nudge;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writingSince = System.nanoTime();
            try {
                out.write(b, off, len);
            } finally {
                long end = System.nanoTime();
                synchronized (this) {
                    wroteAt = end;
                    tailNudges = 0;
                    tailNudgeAt = end + STALLED_WRITE.toNanos();
                }
                writingSince = 0;
            }
        }

        @Override
        public void close() {
        }

        // when the handler was done with the stream, or 0 while it is not
        private volatile long finishedAt;

        void finished(long now) {
            finishedAt = now;
        }

        boolean finishedBefore(long time) {
            long f = finishedAt;
            return f != 0 && f - time < 0;
        }

        /**
         * Nudges a write waiting for longer than {@link #STALLED_WRITE}, a finished answer at every
         * round until it is forgotten, and the tail of a handler that went quiet (a long poll) at
         * doubling intervals up to a second: one nudge can come before kwik strands the data (a
         * test's stream stalled for good that way), and a nudge with nothing left to send costs one
         * empty send request.
         */
        void nudgeIfStalled(long now) {
            long writing = writingSince;
            if (writing != 0 && writing - (now - STALLED_WRITE.toNanos()) < 0) {
                nudge.run();
            } else if (finishedAt != 0) {
                nudge.run();
            } else if (writing == 0 && wroteAt != 0 && quietTailDue(now)) {
                nudge.run();
            }
        }

        private synchronized boolean quietTailDue(long now) {
            if (now - tailNudgeAt < 0) {
                return false;
            }
            tailNudges = Math.min(tailNudges + 1, 6);
            tailNudgeAt = now + Math.min(STALLED_WRITE.toNanos() << tailNudges, 1_000_000_000L);
            return true;
        }
    }
}
