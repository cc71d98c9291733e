package io.armadakv.node.replication;

import com.google.protobuf.ByteString;
import io.armadakv.node.it.Waits;
import io.armadakv.node.tls.PemFiles;
import mvcc.v1.Mvcc.Command;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import replication.v1.Replication.MetadataRequest;
import replication.v1.Replication.ReplicateCommand;
import replication.v1.Replication.ReplicateCommandsResponse;
import replication.v1.Replication.ReplicateRequest;
import replication.v1.Replication.ReplicateResponse;
import replication.v1.Replication.ReplicationFrame;
import replication.v1.Replication.ReplicationRequest;
import replication.v1.Replication.SnapshotRequest;
import tech.kwik.core.QuicClientConnection;
import tech.kwik.core.QuicStream;
import tech.kwik.core.log.NullLogger;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class QuicServerTest {

    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @TempDir
    static Path dir;
    private static TlsMaterial devTls;
    private static KeyStore trustDev;
    private static TestPki pki;

    private final CountDownLatch releaseBlocked = new CountDownLatch(1);
    private final CountDownLatch blockedStarted = new CountDownLatch(1);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void certificates() throws IOException, InterruptedException {
        devTls = TlsMaterial.devCertificate(dir.resolve("dev"));
        trustDev = trustStore(DevCertificate.certificate(dir.resolve("dev")));
        pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
    }

    @AfterEach
    void closeAll() throws Exception {
        releaseBlocked.countDown();
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    /**
     * Replicate(leader_index = n, max_batch_bytes = size) answers n frames of size payload bytes;
     * Metadata writes a frame, then fails; Snapshot(leader_index = n) answers n frames like Replicate,
     * then waits until the test ends.
     */
    private void answer(InputStream in, OutputStream out) throws IOException {
        ReplicationRequest request = ReplicationRequest.parseDelimitedFrom(in);
        switch (request.getRequestCase()) {
            case REPLICATE -> {
                for (int i = 1; i <= request.getReplicate().getLeaderIndex(); i++) {
                    frame(i, payload(i, (int) request.getMaxBatchBytes())).writeDelimitedTo(out);
                }
            }
            case METADATA -> {
                frame(1, payload(1, 10)).writeDelimitedTo(out);
                throw new IOException("handler failed on purpose");
            }
            case SNAPSHOT -> {
                for (int i = 1; i <= request.getSnapshot().getLeaderIndex(); i++) {
                    frame(i, payload(i, (int) request.getMaxBatchBytes())).writeDelimitedTo(out);
                }
                blockedStarted.countDown();
                try {
                    releaseBlocked.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            default -> throw new IOException("unexpected request " + request);
        }
    }

    private static ReplicationFrame frame(long index, byte[] payload) {
        return ReplicationFrame.newBuilder().setReplicate(ReplicateResponse.newBuilder()
                .setLeaderIndex(index)
                .setCommandsResponse(ReplicateCommandsResponse.newBuilder().addCommands(ReplicateCommand.newBuilder()
                        .setLeaderIndex(index)
                        .setCommand(Command.newBuilder().setTable(ByteString.copyFrom(payload))))))
                .build();
    }

    private static byte[] payload(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static ReplicationRequest replicate(int frames, int frameBytes) {
        return ReplicationRequest.newBuilder()
                .setReplicate(ReplicateRequest.newBuilder().setLeaderIndex(frames))
                .setMaxBatchBytes(frameBytes)
                .build();
    }

    private static void assertFrames(int frames, int frameBytes, List<ReplicationFrame> answer) {
        assertEquals(frames, answer.size());
        for (int i = 1; i <= frames; i++) {
            ReplicateResponse response = answer.get(i - 1).getReplicate();
            assertEquals(i, response.getLeaderIndex());
            ReplicateCommand command = response.getCommandsResponse().getCommands(0);
            assertEquals(i, command.getLeaderIndex());
            assertArrayEquals(payload(i, frameBytes), command.getCommand().getTable().toByteArray(), "payload of frame " + i);
        }
    }

    private QuicServer start(TlsMaterial tls) throws IOException {
        QuicServer server = QuicServer.start(ANY_LOOPBACK_PORT, tls, this::answer);
        toClose.add(server);
        return server;
    }

    private QuicClientConnection connect(QuicServer server, KeyStore trust) throws IOException {
        return connect(server, QuicClientConnection.newBuilder().customTrustStore(trust));
    }

    private QuicClientConnection connect(QuicServer server, QuicClientConnection.Builder builder) throws IOException {
        QuicClientConnection connection = builder
                .host("localhost")
                .port(server.port())
                .applicationProtocol(QuicServer.ALPN)
                .connectTimeout(Duration.ofSeconds(5))
                .logger(new NullLogger())
                .build();
        connection.connect();
        toClose.add(connection::close);
        return connection;
    }

    private static QuicStream send(QuicClientConnection connection, ReplicationRequest request) throws IOException {
        QuicStream stream = connection.createStream(true);
        request.writeDelimitedTo(stream.getOutputStream());
        stream.getOutputStream().close();
        return stream;
    }

    private static List<ReplicationFrame> readAll(QuicStream stream) throws IOException {
        List<ReplicationFrame> frames = new ArrayList<>();
        InputStream in = stream.getInputStream();
        for (ReplicationFrame frame; (frame = ReplicationFrame.parseDelimitedFrom(in)) != null; ) {
            frames.add(frame);
        }
        return frames;
    }

    private static List<ReplicationFrame> call(QuicClientConnection connection, ReplicationRequest request) throws IOException {
        return readAll(send(connection, request));
    }

    private static KeyStore trustStore(X509Certificate... certificates) {
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            for (int i = 0; i < certificates.length; i++) {
                keyStore.setCertificateEntry("trusted-" + i, certificates[i]);
            }
            return keyStore;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void answersARequestWithFramesAndEndsTheStream() throws IOException {
        QuicServer server = start(devTls);
        QuicClientConnection client = connect(server, trustDev);

        assertFrames(3, 100, call(client, replicate(3, 100)));
        assertTrue(call(client, replicate(0, 0)).isEmpty(), "no frames, then a clean end");
    }

    @Test
    void manySequentialAndConcurrentStreamsOnOneConnection() throws Exception {
        QuicServer server = start(devTls);
        QuicClientConnection client = connect(server, trustDev);

        // more streams than one connection may have open at once: each finished stream must free its slot
        for (int i = 0; i < 200; i++) {
            assertFrames(2, 50, call(client, replicate(2, 50)));
        }
        try (ExecutorService callers = Executors.newFixedThreadPool(16)) {
            List<Future<List<ReplicationFrame>>> answers = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int frames = 1 + i % 5;
                answers.add(callers.submit(() -> call(client, replicate(frames, 1000))));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertFrames(1 + i % 5, 1000, answers.get(i).get());
            }
        }
        assertTrue(client.isConnected());
    }

    @Test
    void framesArriveWhileTheHandlerWaitsForMore() throws IOException {
        QuicServer server = start(devTls);
        QuicClientConnection client = connect(server, trustDev);

        QuicStream stream = send(client, ReplicationRequest.newBuilder()
                .setSnapshot(SnapshotRequest.newBuilder().setLeaderIndex(64))
                .setMaxBatchBytes(64 * 1024)
                .build());
        List<ReplicationFrame> frames = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            frames.add(ReplicationFrame.parseDelimitedFrom(stream.getInputStream()));
        }
        assertFrames(64, 64 * 1024, frames);
    }

    @Test
    void largeAnswerArrivesIntact() throws IOException {
        QuicServer server = start(devTls);
        QuicClientConnection client = connect(server, trustDev);

        assertFrames(20, 1024 * 1024, call(client, replicate(20, 1024 * 1024)));
    }

    @Test
    void aFailingHandlerResetsTheStreamAndTheConnectionStaysUsable() throws IOException {
        QuicServer server = start(devTls);
        QuicClientConnection client = connect(server, trustDev);

        QuicStream failed = send(client, ReplicationRequest.newBuilder().setMetadata(MetadataRequest.getDefaultInstance()).build());
        assertThrows(IOException.class, () -> readAll(failed), "a reset, not a clean end of the answer");
        // kwik wakes a reader of a reset stream with Thread.interrupt() and may leave the flag set
        Thread.interrupted();
        assertFrames(1, 10, call(client, replicate(1, 10)));
    }

    @Test
    void closingTheServerFailsOpenStreamsAndReleasesThePort() throws Exception {
        QuicServer server = start(devTls);
        QuicClientConnection client = connect(server, trustDev);
        QuicStream blocked = send(client, ReplicationRequest.newBuilder().setSnapshot(SnapshotRequest.getDefaultInstance()).build());
        assertTrue(blockedStarted.await(10, TimeUnit.SECONDS));

        try (ExecutorService reader = Executors.newSingleThreadExecutor()) {
            Future<List<ReplicationFrame>> read = reader.submit(() -> readAll(blocked));
            server.close();
            ExecutionException failure = assertThrows(ExecutionException.class, () -> read.get(20, TimeUnit.SECONDS));
            assertInstanceOf(IOException.class, failure.getCause());
        }
        // the JDK frees a closed UDP socket's port only when the thread blocked receiving on it has left,
        // which kwik's receiver does a moment after close returns (QuicServer.bind waits for it too)
        Waits.until("udp " + server.address() + " to be free", Duration.ofSeconds(10), () -> bindable(server.address()));
    }

    private static boolean bindable(InetSocketAddress address) {
        try {
            new DatagramSocket(address).close();
            return true;
        } catch (java.net.SocketException e) {
            return false;
        }
    }

    @Test
    void certificateChainAndKeyFromPemFilesIssuedByACa() throws Exception {
        TlsMaterial tls = TlsMaterial.fromPem(pki.serverChainPem(), pki.serverKeyPem());
        assertEquals(2, tls.certificateChain().size());
        QuicServer server = start(tls);

        KeyStore trustCa = trustStore(PemFiles.certificates(pki.caPem()).getFirst());
        // the client's certificate is never asked for (no mutual TLS in kwik's server), and does no harm
        QuicClientConnection client = connect(server, QuicClientConnection.newBuilder()
                .customTrustStore(trustCa)
                .clientCertificate(PemFiles.certificates(pki.clientCertPem()).getFirst())
                .clientCertificateKey(PemFiles.privateKey(pki.clientKeyPem())));
        assertFrames(2, 10, call(client, replicate(2, 10)));

        IOException untrusted = assertThrows(IOException.class, () -> connect(server, trustDev));
        assertTrue(untrusted.getMessage().toLowerCase().contains("certificate")
                || untrusted.getMessage().toLowerCase().contains("handshake"), untrusted.getMessage());

        IOException mismatched = assertThrows(IOException.class, () -> TlsMaterial.fromPem(pki.serverChainPem(), pki.clientKeyPem()));
        assertTrue(mismatched.getMessage().contains("does not belong"), mismatched.getMessage());
    }

    @Test
    void withClientCasOnlyAReplicatorThatProvesACertificateIsServed() throws Exception {
        TlsMaterial tls = TlsMaterial.fromPem(pki.serverChainPem(), pki.serverKeyPem()).withClientTrust(pki.caPem());
        assertTrue(tls.requiresClientCertificates());
        QuicServer server = start(tls);
        KeyStore trustCa = trustStore(PemFiles.certificates(pki.caPem()).getFirst());

        // no proof: every stream is refused, and the handler never sees it
        QuicClientConnection anonymous = connect(server, trustCa);
        List<ReplicationFrame> refused = call(anonymous, replicate(2, 10));
        assertEquals(1, refused.size());
        assertEquals("UNAUTHENTICATED", refused.getFirst().getError().getCode());

        // a certificate the CA did not sign: refused even with a valid signature
        TlsMaterial foreignTls = TlsMaterial.devCertificate(dir.resolve("foreign"));
        X509Certificate foreign = foreignTls.certificateChain().getFirst();
        java.security.PrivateKey foreignKey = foreignTls.privateKey();
        QuicClientConnection impostor = connect(server, trustCa);
        assertEquals("UNAUTHENTICATED", prove(impostor, foreign, foreignKey).getError().getCode());
        assertEquals("UNAUTHENTICATED", call(impostor, replicate(2, 10)).getFirst().getError().getCode());

        // the CA's client certificate, with a signature by its own key: the connection is served
        QuicClientConnection replicator = connect(server, trustCa);
        ReplicationFrame answer = prove(replicator, PemFiles.certificates(pki.clientCertPem()).getFirst(),
                PemFiles.privateKey(pki.clientKeyPem()));
        assertTrue(answer.getAuthenticated(), answer.toString());
        assertFrames(2, 10, call(replicator, replicate(2, 10)));

        // the CA's certificate with somebody else's key: the signature does not verify
        QuicClientConnection thief = connect(server, trustCa);
        ReplicationFrame stolen = prove(thief, PemFiles.certificates(pki.clientCertPem()).getFirst(), foreignKey);
        assertTrue(stolen.getError().getMessage().contains("does not verify"), stolen.toString());
    }

    /** The replicator's side of the client-certificate exchange, done by hand. */
    private static ReplicationFrame prove(QuicClientConnection connection, X509Certificate certificate,
                                          java.security.PrivateKey key) throws Exception {
        QuicStream stream = connection.createStream(true);
        OutputStream out = stream.getOutputStream();
        ReplicationRequest.newBuilder().setClientAuth(replication.v1.Replication.ClientAuth.newBuilder()
                .addCertificateChain(com.google.protobuf.ByteString.copyFrom(certificate.getEncoded()))).build()
                .writeDelimitedTo(out);
        out.flush();
        ReplicationFrame challenge = ReplicationFrame.parseDelimitedFrom(stream.getInputStream());
        byte[] signature = ClientAuthentication.sign(challenge.getChallenge().getNonce().toByteArray(), key);
        replication.v1.Replication.ClientAuth.newBuilder()
                .setSignature(com.google.protobuf.ByteString.copyFrom(signature)).build().writeDelimitedTo(out);
        out.close();
        return ReplicationFrame.parseDelimitedFrom(stream.getInputStream());
    }

    @Test
    void devCertificateIsReusedOnLaterStarts() throws IOException {
        X509Certificate first = DevCertificate.certificate(dir.resolve("dev"));
        TlsMaterial again = TlsMaterial.devCertificate(dir.resolve("dev"));
        assertEquals(first, again.certificateChain().getFirst());
        assertEquals("TlsMaterial[CN=localhost, EC key]", again.toString(), "names the identity, never the key");
    }
}
