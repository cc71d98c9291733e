package io.armadakv.replicator.quic;

import io.armadakv.node.replication.DevCertificate;
import io.armadakv.node.replication.QuicServer;
import io.armadakv.node.replication.TlsMaterial;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import replication.v1.Replication.MetadataRequest;
import replication.v1.Replication.ReplicateRequest;
import replication.v1.Replication.ReplicateResponse;
import replication.v1.Replication.ReplicationFrame;
import replication.v1.Replication.ReplicationRequest;
import replication.v1.Replication.SnapshotRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LeaderConnectionTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    static Path dir;
    private static TlsMaterial leaderTls;
    private static ClientTls trustLeader;

    private final AtomicInteger served = new AtomicInteger();
    private final CountDownLatch waiting = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void certificates() throws IOException {
        leaderTls = TlsMaterial.devCertificate(dir.resolve("leader"));
        trustLeader = ClientTls.trustDevCertificate(dir.resolve("leader"));
    }

    @AfterEach
    void closeAll() throws Exception {
        release.countDown();
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    /** Replicate(leader_index = n): n frames; Metadata: fails; Snapshot: waits until released. */
    private void answer(InputStream in, OutputStream out) throws IOException {
        ReplicationRequest request = ReplicationRequest.parseDelimitedFrom(in);
        served.incrementAndGet();
        switch (request.getRequestCase()) {
            case REPLICATE -> {
                for (long i = 1; i <= request.getReplicate().getLeaderIndex(); i++) {
                    ReplicationFrame.newBuilder().setReplicate(ReplicateResponse.newBuilder().setLeaderIndex(i)).build()
                            .writeDelimitedTo(out);
                }
            }
            case METADATA -> throw new IOException("handler failed on purpose");
            case REQUEST_NOT_SET -> {
                if (!request.hasClientAuth()) {
                    throw new IOException("empty request");
                }
                ReplicationFrame.newBuilder().setAuthenticated(true).build().writeDelimitedTo(out);
            }
            case SNAPSHOT -> {
                waiting.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            default -> throw new IOException("unexpected " + request);
        }
    }

    private QuicServer leader(int port) throws IOException {
        QuicServer server = QuicServer.start(new InetSocketAddress(LOOPBACK, port), leaderTls, this::answer);
        toClose.add(server);
        return server;
    }

    private LeaderConnection connection(ClientTls tls, String... leaders) {
        LeaderConnection connection = new LeaderConnection(List.of(leaders), tls, CONNECT_TIMEOUT);
        toClose.add(connection);
        return connection;
    }

    private static ReplicationRequest replicate(int frames) {
        return ReplicationRequest.newBuilder().setReplicate(ReplicateRequest.newBuilder().setLeaderIndex(frames)).build();
    }

    private static void assertAnswer(int frames, FrameStream answer) throws IOException {
        try (answer) {
            for (int i = 1; i <= frames; i++) {
                assertEquals(i, answer.next().getReplicate().getLeaderIndex());
            }
            assertNull(answer.next(), "a clean end");
            assertNull(answer.next(), "and it stays ended");
        }
    }

    @Test
    void callsRoundTripOnOneSharedConnection() throws Exception {
        QuicServer server = leader(0);
        LeaderConnection leader = connection(trustLeader, "localhost:" + server.port());

        for (int i = 0; i < 150; i++) {
            assertAnswer(i % 4, leader.call(replicate(i % 4)));
        }
        try (ExecutorService callers = Executors.newFixedThreadPool(8)) {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int frames = 1 + i % 3;
                calls.add(callers.submit(() -> {
                    assertAnswer(frames, leader.call(replicate(frames)));
                    return null;
                }));
            }
            for (Future<?> call : calls) {
                call.get();
            }
        }

        FrameStream failed = leader.call(ReplicationRequest.newBuilder().setMetadata(MetadataRequest.getDefaultInstance()).build());
        IOException error = assertThrows(IOException.class, failed::next, "a failed handler is an error, not an end");
        assertTrue(error.getMessage().contains("localhost:" + server.port()), error.getMessage());
        assertAnswer(2, leader.call(replicate(2)));
    }

    @Test
    void abandonedAnswersFreeTheirStreams() throws IOException {
        QuicServer server = leader(0);
        LeaderConnection leader = connection(trustLeader, "localhost:" + server.port());

        // more than one connection's streams: an abandoned answer must give its stream back
        for (int i = 0; i < 2 * QuicServer.MAX_CONCURRENT_STREAMS; i++) {
            try (FrameStream answer = leader.call(replicate(1000))) {
                assertEquals(1, answer.next().getReplicate().getLeaderIndex());
            }
        }
        assertAnswer(2, leader.call(replicate(2)));
    }

    @Test
    void theNextCallAfterTheLeaderRestartedReconnects() throws Exception {
        QuicServer first = leader(0);
        int port = first.port();
        LeaderConnection leader = connection(trustLeader, "localhost:" + port);
        assertAnswer(1, leader.call(replicate(1)));

        FrameStream open = leader.call(ReplicationRequest.newBuilder().setSnapshot(SnapshotRequest.getDefaultInstance()).build());
        assertTrue(waiting.await(10, TimeUnit.SECONDS));
        first.close();
        assertThrows(IOException.class, open::next, "a stream of a closed connection fails");

        leader(port);
        assertAnswer(3, callAllowingOneFailure(leader, replicate(3)));
        assertAnswer(1, leader.call(replicate(1)));
    }

    /** A call may fail once if the old connection's end was not yet noticed; the one after it must not. */
    private static FrameStream callAllowingOneFailure(LeaderConnection leader, ReplicationRequest request) throws IOException {
        try {
            FrameStream answer = leader.call(request);
            answer.next();
            answer.close();
        } catch (IOException noticedNow) {
            // the next call reconnects
        }
        return leader.call(request);
    }

    @Test
    void aDeadFirstAddressIsSkipped() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            QuicServer server = leader(0);
            LeaderConnection leader = connection(trustLeader, "localhost:" + silent.getLocalPort(), "localhost:" + server.port());

            assertAnswer(2, leader.call(replicate(2)));
            assertEquals(1, served.get());
        }
    }

    @Test
    void noLeaderAnsweringNamesEveryAddress() throws Exception {
        try (DatagramSocket a = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
             DatagramSocket b = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            LeaderConnection leader = connection(trustLeader, "localhost:" + a.getLocalPort(), "localhost:" + b.getLocalPort());

            IOException error = assertThrows(IOException.class, () -> leader.call(replicate(1)));
            assertTrue(error.getMessage().contains("localhost:" + a.getLocalPort())
                    && error.getMessage().contains("localhost:" + b.getLocalPort()), error.getMessage());
        }
    }

    @Test
    void closingTheConnectionFailsABlockedReader() throws Exception {
        QuicServer server = leader(0);
        LeaderConnection leader = connection(trustLeader, "localhost:" + server.port());
        FrameStream open = leader.call(ReplicationRequest.newBuilder().setSnapshot(SnapshotRequest.getDefaultInstance()).build());
        assertTrue(waiting.await(10, TimeUnit.SECONDS));

        try (ExecutorService reader = Executors.newSingleThreadExecutor()) {
            Future<ReplicationFrame> next = reader.submit(open::next);
            leader.close();
            ExecutionException failure = assertThrows(ExecutionException.class, () -> next.get(20, TimeUnit.SECONDS));
            assertInstanceOf(IOException.class, failure.getCause());
        }
        assertThrows(IOException.class, () -> leader.call(replicate(1)), "no calls after close");
    }

    @Test
    void anUntrustedLeaderIsRefusedUnlessVerificationIsSkipped() throws Exception {
        QuicServer server = leader(0);
        ClientTls trustOther = ClientTls.trustDevCertificate(devCertificateIn(dir.resolve("other")));

        IOException refused = assertThrows(IOException.class,
                () -> connection(trustOther, "localhost:" + server.port()).call(replicate(1)));
        assertTrue(refused.getMessage().contains("localhost:" + server.port()), refused.getMessage());

        assertAnswer(1, connection(ClientTls.insecureSkipVerify(), "localhost:" + server.port()).call(replicate(1)));
    }

    @Test
    void aClientCertificateFromPemFilesIsAccepted() throws Exception {
        QuicServer server = leader(0);
        // the leader's own certificate and key, as PEM, serve as CA and as client identity
        KeyStore keyStore = DevCertificate.read(dir.resolve("leader"));
        Path certificate = dir.resolve("client.pem");
        Path key = dir.resolve("client.key");
        Files.writeString(certificate, pem("CERTIFICATE", keyStore.getCertificate(DevCertificate.ALIAS).getEncoded()));
        Files.writeString(key, pem("PRIVATE KEY",
                ((PrivateKey) keyStore.getKey(DevCertificate.ALIAS, DevCertificate.password())).getEncoded()));
        ClientTls tls = ClientTls.trustCa(certificate).withClientCertificate(certificate, key);
        assertEquals("ClientTls[trusts [CN=localhost], client CN=localhost]", tls.toString());

        assertAnswer(2, connection(tls, "localhost:" + server.port()).call(replicate(2)));

        // a leader that requires client certificates from this CA serves this client, and no other
        QuicServer strict = QuicServer.start(new InetSocketAddress(LOOPBACK, 0), leaderTls.withClientTrust(certificate),
                this::answer);
        toClose.add(strict);
        assertAnswer(3, connection(tls, "localhost:" + strict.port()).call(replicate(3)));
        try (FrameStream refused = connection(ClientTls.trustCa(certificate), "localhost:" + strict.port())
                .call(replicate(3))) {
            assertEquals("UNAUTHENTICATED", refused.next().getError().getCode());
        }
        Path otherCertificate = dir.resolve("other.pem");
        Path otherKey = dir.resolve("other.key");
        KeyStore other = DevCertificate.read(devCertificateIn(dir.resolve("other-client")));
        Files.writeString(otherCertificate, pem("CERTIFICATE", other.getCertificate(DevCertificate.ALIAS).getEncoded()));
        Files.writeString(otherKey, pem("PRIVATE KEY",
                ((PrivateKey) other.getKey(DevCertificate.ALIAS, DevCertificate.password())).getEncoded()));
        IOException untrustedClient = assertThrows(IOException.class, () -> connection(ClientTls.trustCa(certificate)
                .withClientCertificate(otherCertificate, otherKey), "localhost:" + strict.port()).call(replicate(1)));
        assertTrue(untrustedClient.getMessage().contains("refused the client certificate"), untrustedClient.getMessage());
    }

    private static Path devCertificateIn(Path directory) throws IOException {
        DevCertificate.ensure(directory);
        return directory;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
