package io.armadakv.replicator.quic;

import io.armadakv.node.config.Endpoint;
import io.armadakv.node.replication.KwikLogger;
import io.armadakv.node.replication.KwikNudge;
import io.armadakv.node.replication.QuicServer;
import com.google.protobuf.ByteString;
import io.armadakv.node.replication.ClientAuthentication;
import replication.v1.Replication.ClientAuth;
import replication.v1.Replication.ReplicationFrame;
import replication.v1.Replication.ReplicationRequest;
import tech.kwik.core.QuicClientConnection;
import tech.kwik.core.QuicStream;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * One QUIC connection to the leader cluster's replication endpoint, shared by every caller. Each
 * {@link #call} is one bidirectional stream: the request, then the leader's frames.
 * <p>
 * Connects on first use to the first leader address that answers, trying the others in turn.
 * A connection that broke (closed by the leader, or silent for longer than {@link #IDLE_TIMEOUT})
 * fails the calls on it, and the next call connects again, starting with the next address.
 * Keep-alive pings hold a quiet connection open.
 */
public final class LeaderConnection implements AutoCloseable {

    public static final String ALPN = QuicServer.ALPN;
    /** A leader that sends nothing, not even an acknowledgement of a ping, for this long is gone. */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(20);

    private static final Logger LOG = Logger.getLogger(LeaderConnection.class.getName());
    // per-stream receive window: bounds throughput to about window / round trip per answer
    private static final long STREAM_RECEIVE_BUFFER = 4L * 1024 * 1024;
    private static final int KEEP_ALIVE_FOREVER = Integer.MAX_VALUE;
    private static final long NUDGE_FIRST_MS = 20;
    private static final Duration NUDGE_WATCH = Duration.ofSeconds(10);
    private static final java.util.concurrent.ScheduledExecutorService REQUEST_NUDGES =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("quic-request-nudge").factory());

    private final List<Endpoint> leaders;
    // replaced when the certificate files change; each new connection reads it once
    private volatile ClientTls tls;
    private final Duration connectTimeout;
    private final ReentrantLock lock = new ReentrantLock();
    private Link link; // guarded by lock
    private int nextLeader; // guarded by lock
    private boolean closed; // guarded by lock
    private final java.util.concurrent.atomic.AtomicLong connects = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param leaders        {@code host:port} of leader-cluster nodes; a host name must match the
     *                       certificate's DNS names (kwik does not check IP addresses in certificates)
     * @param connectTimeout how long one address may take to complete the handshake, and how long a
     *                       call waits for a free stream
     */
    public LeaderConnection(List<String> leaders, ClientTls tls, Duration connectTimeout) {
        if (leaders.isEmpty()) {
            throw new IllegalArgumentException("no leader address");
        }
        this.leaders = leaders.stream().map(a -> Endpoint.parseHostPort("leader address", a)).toList();
        this.tls = Objects.requireNonNull(tls, "tls");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (tls.skipVerify()) {
            LOG.warning("the leader's QUIC certificate is not verified (insecure-skip-verify): the link is open to a man in the middle");
        }
    }

    /**
     * Sends {@code request} on a new stream and returns the answer's frames; the caller closes them.
     *
     * @throws IOException if no leader could be reached or the request could not be sent
     */
    public FrameStream call(ReplicationRequest request) throws IOException {
        Link current = link(null);
        QuicStream stream;
        try {
            stream = current.open();
        } catch (IOException e) {
            if (current.connection.isConnected()) {
                throw e;
            }
            // The connection died since it was checked. Nothing was sent, so one retry is safe.
            current = link(current);
            stream = current.open();
        }
        Link used = current;
        OutputStream out = stream.getOutputStream();
        try {
            request.writeDelimitedTo(out);
            out.close();
        } catch (IOException e) {
            stream.abortReading(FrameStream.ABANDONED);
            used.streams.release();
            throw new IOException("sending a request to leader " + used.leader + " failed: " + e.getMessage(), e);
        }
        FrameStream answer = new FrameStream(stream, used.leader, used.streams::release);
        Runnable nudge = KwikNudge.of(used.connection, stream, out);
        nudge.run();
        nudgeUntilAnswered(answer, nudge, NUDGE_FIRST_MS, System.nanoTime() + NUDGE_WATCH.toNanos());
        return answer;
    }

    /**
     * kwik may strand a request it was given (QuicServer's note on kwik 0.10.8), and the leader then
     * waits for it until the connection times out. Until the answer starts, the request is nudged at
     * doubling intervals up to a second: a nudge can come before the strand, and one with nothing
     * left to send costs an empty send request.
     */
    private static void nudgeUntilAnswered(FrameStream answer, Runnable nudge, long delayMs, long deadlineNanos) {
        REQUEST_NUDGES.schedule(() -> {
            if (answer.unanswered() && System.nanoTime() - deadlineNanos < 0) {
                nudge.run();
                nudgeUntilAnswered(answer, nudge, Math.min(2 * delayMs, 1000), deadlineNanos);
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    /** Connections made so far; each reconnect counts again. */
    /** Certificates for the connections made from now on; the open one keeps its own. */
    public void useTls(ClientTls next) {
        this.tls = Objects.requireNonNull(next, "tls");
    }

    public long connects() {
        return connects.get();
    }

    /** Closes the connection; open frame streams fail, and later calls throw. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            if (link != null) {
                link.connection.close();
                link = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The live connection, made if there is none or if {@code broken} is still the current one. */
    private Link link(Link broken) throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new IOException("the connection to the leader cluster is closed");
            }
            if (link != null && (link == broken || !link.connection.isConnected())) {
                LOG.info("QUIC connection to leader " + link.leader + " is gone; reconnecting");
                // also stops its keep-alive thread, which kwik leaves running after a peer's close
                link.connection.close();
                nextLeader = (link.index + 1) % leaders.size();
                link = null;
            }
            if (link == null) {
                link = connect();
            }
            return link;
        } finally {
            lock.unlock();
        }
    }

    private Link connect() throws IOException {
        List<String> failures = new ArrayList<>();
        for (int attempt = 0; attempt < leaders.size(); attempt++) {
            int index = (nextLeader + attempt) % leaders.size();
            Endpoint leader = leaders.get(index);
            QuicClientConnection connection = null;
            try {
                QuicClientConnection.Builder builder = QuicClientConnection.newBuilder()
                        .host(leader.host())
                        .port(leader.port())
                        .applicationProtocol(ALPN)
                        .connectTimeout(connectTimeout)
                        .maxIdleTimeout(IDLE_TIMEOUT)
                        .defaultStreamReceiveBufferSize(STREAM_RECEIVE_BUFFER)
                        .maxOpenPeerInitiatedBidirectionalStreams(0)
                        .maxOpenPeerInitiatedUnidirectionalStreams(0)
                        .logger(new KwikLogger(LeaderConnection.class.getName() + ".kwik"));
                ClientTls tls = this.tls;
                tls.applyTo(builder);
                connection = builder.build();
                connection.connect();
                // kwik pings at half the idle timeout, for as many seconds as asked
                connection.keepAlive(KEEP_ALIVE_FOREVER);
                if (tls.clientCertificate() != null) {
                    authenticate(connection, leader.hostPort(), tls);
                }
                nextLeader = index;
                connects.incrementAndGet();
                LOG.info("QUIC connection to leader " + leader.hostPort() + " established");
                return new Link(connection, leader.hostPort(), index, new Semaphore(QuicServer.MAX_CONCURRENT_STREAMS));
            } catch (IOException | RuntimeException e) {
                if (connection != null) {
                    connection.close();
                }
                failures.add(leader.hostPort() + ": " + reason(e));
            }
        }
        throw new IOException("no leader answered over QUIC (" + String.join("; ", failures) + ")");
    }

    /**
     * Proves the client certificate on the connection's first stream: kwik's TLS cannot, so the
     * leader asks inside the connection (see {@link io.armadakv.node.replication.ClientAuthentication}).
     */
    private void authenticate(QuicClientConnection connection, String leader, ClientTls tls) throws IOException {
        QuicStream stream = connection.createStream(true);
        OutputStream out = stream.getOutputStream();
        Runnable nudge = KwikNudge.of(connection, stream, out);
        try {
            ReplicationRequest.newBuilder().setClientAuth(ClientAuth.newBuilder()
                    .addCertificateChain(ByteString.copyFrom(tls.clientCertificate().getEncoded()))).build()
                    .writeDelimitedTo(out);
            out.flush();
            nudge.run();
            ReplicationFrame challenge = ReplicationFrame.parseDelimitedFrom(stream.getInputStream());
            if (challenge != null && challenge.getAuthenticated()) {
                out.close();
                return; // a leader that does not authenticate clients
            }
            if (challenge == null || !challenge.hasChallenge()) {
                throw new IOException("leader " + leader + " did not answer the client certificate with a challenge: "
                        + (challenge == null ? "the stream ended" : challenge.getError().getMessage()));
            }
            byte[] signature = ClientAuthentication.sign(challenge.getChallenge().getNonce().toByteArray(), tls.clientKey());
            ClientAuth.newBuilder().setSignature(ByteString.copyFrom(signature)).build().writeDelimitedTo(out);
            out.close();
            nudge.run();
            ReplicationFrame answer = ReplicationFrame.parseDelimitedFrom(stream.getInputStream());
            if (answer == null || !answer.getAuthenticated()) {
                throw new IOException("leader " + leader + " refused the client certificate: "
                        + (answer == null ? "the stream ended" : answer.getError().getMessage()));
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot sign the leader's challenge with the client key: " + e.getMessage(), e);
        }
    }

    // kwik throws some exceptions without a message
    private static String reason(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /**
     * One connection and its stream slots. kwik waits without a timeout for a stream slot, even on a
     * connection that died meanwhile; taking a slot here first bounds that wait.
     */
    private final class Link {

        final QuicClientConnection connection;
        final String leader;
        final int index;
        final Semaphore streams;

        Link(QuicClientConnection connection, String leader, int index, Semaphore streams) {
            this.connection = connection;
            this.leader = leader;
            this.index = index;
            this.streams = streams;
        }

        QuicStream open() throws IOException {
            try {
                if (!streams.tryAcquire(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IOException("all " + QuicServer.MAX_CONCURRENT_STREAMS + " streams to leader " + leader
                            + " stayed busy for " + connectTimeout.toMillis() + " ms");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for a stream to leader " + leader);
            }
            try {
                return connection.createStream(true);
            } catch (IOException | RuntimeException e) {
                streams.release();
                throw new IOException("opening a stream to leader " + leader + " failed: " + reason(e), e);
            }
        }
    }
}
