package io.armadakv.node.it;

import armada.v1.CreateTableRequest;
import armada.v1.TablesGrpc;
import io.armadakv.node.cli.BackupCommand;
import io.armadakv.node.cli.RestoreCommand;
import io.armadakv.node.replication.QuicServer;
import io.armadakv.node.replication.TestPki;
import io.armadakv.node.tls.PemFiles;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tech.kwik.core.QuicClientConnection;
import tech.kwik.core.log.NullLogger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One leader whose API is https:// with mutual TLS, an allowed CN and hostname and a Tables
 * token, and whose replication endpoint uses the same certificate files: who gets in, who does
 * not and with which status, and that new certificate files are served without a restart.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiTlsIT {

    private static final String TOKEN = "tls-tok-41c9";
    private static final String MAINTENANCE_TOKEN = "tls-maint-7d02";

    @TempDir
    static Path dir;

    private static TestPki pki;
    private static TestPki otherPki;
    private static Path certFile;
    private static Path keyFile;
    private static ArmadaProcess node;
    private static final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void startNode() throws Exception {
        pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
        otherPki = TestPki.create(Files.createDirectories(dir.resolve("other-pki")));
        // the node's own copies, which the reload test replaces
        certFile = dir.resolve("api-cert.pem");
        keyFile = dir.resolve("api-key.pem");
        Files.copy(pki.serverChainPem(), certFile);
        Files.copy(pki.serverKeyPem(), keyFile);
        Path bothCas = dir.resolve("both-cas.pem");
        Files.writeString(bothCas, Files.readString(pki.caPem()) + Files.readString(otherPki.caPem()));
        node = ArmadaProcess.start(dir.resolve("node"), new ApiTls(bothCas, pki.clientCertPem(), pki.clientKeyPem()),
                "--api.cert-filename=" + certFile, "--api.key-filename=" + keyFile,
                "--api.client-cert-auth=true", "--api.ca-filename=" + pki.caPem(),
                "--api.allowed-cn=replicator", "--api.allowed-hostname=replicator.armada.test",
                "--tables.token=" + TOKEN, "--maintenance.token=" + MAINTENANCE_TOKEN,
                "--replication.cert-file=" + certFile, "--replication.key-file=" + keyFile);
    }

    @AfterAll
    static void stopNode() {
        channels.forEach(ManagedChannel::shutdownNow);
        if (node != null) {
            node.close();
        }
    }

    private static ManagedChannel channel(ApiTls tls) {
        ManagedChannel channel = tls.channel(node.apiPort());
        channels.add(channel);
        return channel;
    }

    private static TablesGrpc.TablesBlockingStub tables(ManagedChannel channel, String token) {
        Metadata headers = new Metadata();
        if (token != null) {
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        }
        return TablesGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static StatusRuntimeException refusedRange(ManagedChannel channel) {
        return assertThrows(StatusRuntimeException.class, () -> Api.kv(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .range(armada.v1.RangeRequest.newBuilder().setTable(Api.bs("t")).setKey(Api.bs("k")).build()));
    }

    @Test
    @Order(1)
    void theAllowedClientCreatesWithTheTokenWritesAndReads() {
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                () -> tables(node.channel(), null).create(CreateTableRequest.newBuilder().setName("t").build()))
                .getStatus().getCode(), "Tables keeps its token over TLS");
        tables(node.channel(), TOKEN).create(CreateTableRequest.newBuilder().setName("t").build());
        Api.put(node.channel(), "t", "k", "before");
        assertEquals("before", Api.get(node.channel(), "t", "k").getKvs(0).getValue().toStringUtf8());
    }

    @Test
    @Order(2)
    void clientsWithoutTlsOrWithoutATrustedCertificateNeverGetAConnection() {
        ManagedChannel plaintext = NettyChannelBuilder.forAddress("127.0.0.1", node.apiPort()).usePlaintext().build();
        channels.add(plaintext);
        assertEquals(Status.Code.UNAVAILABLE, refusedRange(plaintext).getStatus().getCode());
        // the handshake itself fails: the node requires a client certificate of its CA
        assertEquals(Status.Code.UNAVAILABLE, refusedRange(channel(ApiTls.trusting(pki.caPem()))).getStatus().getCode());
        assertEquals(Status.Code.UNAVAILABLE, refusedRange(channel(new ApiTls(pki.caPem(), otherPki.clientCertPem(),
                otherPki.clientKeyPem()))).getStatus().getCode());
        // and a client that does not trust the node's CA does not talk to it
        assertEquals(Status.Code.UNAVAILABLE, refusedRange(channel(new ApiTls(otherPki.caPem(), pki.clientCertPem(),
                pki.clientKeyPem()))).getStatus().getCode());
        assertTrue(node.isAlive());
    }

    @Test
    @Order(3)
    void aCertificateOfTheCaNamingAnotherClientIsUnauthenticated() throws Exception {
        TestPki.Issued otherCn = pki.issue("intruder", "CN=intruder", "SAN=dns:replicator.armada.test");
        StatusRuntimeException cn = refusedRange(channel(new ApiTls(pki.caPem(), otherCn.cert(), otherCn.key())));
        assertEquals(Status.Code.UNAUTHENTICATED, cn.getStatus().getCode());
        assertEquals("client certificate CN 'intruder' is not the one api.allowed-cn allows",
                cn.getStatus().getDescription());

        TestPki.Issued otherHost = pki.issue("elsewhere", "CN=replicator", "SAN=dns:elsewhere.armada.test");
        StatusRuntimeException host = refusedRange(channel(new ApiTls(pki.caPem(), otherHost.cert(), otherHost.key())));
        assertEquals(Status.Code.UNAUTHENTICATED, host.getStatus().getCode());
        assertTrue(host.getStatus().getDescription().contains("api.allowed-hostname"), host.getStatus().getDescription());
    }

    @Test
    @Order(4)
    void theBackupCliBacksUpAndRestoresOverMutualTls() {
        Path backupDir = dir.resolve("backup");
        String address = "--address=https://localhost:" + node.apiPort();
        String ca = "--ca=" + pki.caPem();
        String cert = "--cert=" + pki.clientCertPem();
        String key = "--key=" + pki.clientKeyPem();

        String token = "--token=" + MAINTENANCE_TOKEN;
        Cli refused = cli(true, address, ca, token, "--table=t", "--dir=" + dir.resolve("refused"));
        assertEquals(1, refused.exit(), "without a client certificate: " + refused.err());
        assertTrue(Files.notExists(dir.resolve("refused").resolve("manifest.json")));
        Cli noToken = cli(true, address, ca, cert, key, "--table=t", "--dir=" + dir.resolve("no-token"));
        assertEquals(1, noToken.exit(), "without the maintenance token: " + noToken.err());
        assertTrue(noToken.err().contains("UNAUTHENTICATED"), noToken.err());

        Cli backup = cli(true, address, ca, cert, key, token, "--table=t", "--dir=" + backupDir);
        assertEquals(0, backup.exit(), backup.err());
        assertTrue(Files.exists(backupDir.resolve("manifest.json")) && Files.exists(backupDir.resolve("t.bak")));

        Api.put(node.channel(), "t", "k", "after the backup");
        Cli restore = cli(false, address, ca, cert, key, token, "--table=t", "--dir=" + backupDir);
        assertEquals(0, restore.exit(), restore.err());
        assertEquals("before", Api.get(node.channel(), "t", "k").getKvs(0).getValue().toStringUtf8());
    }

    private record Cli(int exit, String err) {
    }

    private static Cli cli(boolean backup, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        Object command = backup ? new BackupCommand(out, e) : new RestoreCommand(out, e);
        int exit = new CommandLine(command).execute(args);
        return new Cli(exit, err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Order(5)
    void newCertificateFilesAreServedToNewConnectionsWithoutARestart() throws Exception {
        long pid = node.pid();
        X509Certificate old = PemFiles.certificates(pki.serverChainPem()).getFirst();
        X509Certificate renewed = PemFiles.certificates(otherPki.serverChainPem()).getFirst();
        assertEquals(old, apiPeerCertificate());

        replace(keyFile, otherPki.serverKeyPem());
        replace(certFile, otherPki.serverChainPem());
        Waits.until("new connections to the API to see the new certificate", Duration.ofSeconds(30),
                () -> renewed.equals(apiPeerCertificate()));
        // the replication endpoint was restarted with it: a QUIC client trusting only the new CA gets in
        Waits.until("the replication endpoint to present the new certificate", Duration.ofSeconds(30),
                ApiTlsIT::quicTrustsOnlyTheNewCa);

        assertTrue(node.isAlive());
        assertEquals(pid, node.pid());
        ManagedChannel fresh = channel(new ApiTls(otherPki.caPem(), pki.clientCertPem(), pki.clientKeyPem()));
        assertEquals("before", Api.get(fresh, "t", "k").getKvs(0).getValue().toStringUtf8());
        Api.put(fresh, "t", "k", "after");
        assertTrue(node.logTail().contains("api.address certificates reloaded"), node.logTail());
        assertTrue(node.logTail().contains("replication.address certificates reloaded"), node.logTail());

        // files that do not belong together are refused and the node keeps serving what it had
        replace(keyFile, pki.clientKeyPem());
        Waits.until("a warning about the unusable files", Duration.ofSeconds(30),
                () -> node.logTail().contains("cannot reload"));
        assertEquals(renewed, apiPeerCertificate());
        assertEquals("after", Api.get(channel(new ApiTls(otherPki.caPem(), pki.clientCertPem(), pki.clientKeyPem())),
                "t", "k").getKvs(0).getValue().toStringUtf8());
    }

    private static void replace(Path target, Path source) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The certificate the API presents to a new TLS connection, seen by a client that accepts any. */
    private static X509Certificate apiPeerCertificate() {
        try {
            KeyStore identity = KeyStore.getInstance("PKCS12");
            identity.load(null, null);
            identity.setKeyEntry("client", PemFiles.privateKey(pki.clientKeyPem()), new char[0],
                    PemFiles.certificates(pki.clientCertPem()).toArray(X509Certificate[]::new));
            javax.net.ssl.KeyManagerFactory keys = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
            keys.init(identity, new char[0]);
            X509Certificate[] seen = new X509Certificate[1];
            TrustManager recorder = new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                    seen[0] = chain[0];
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            };
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), new TrustManager[] {recorder}, null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), node.apiPort())) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setApplicationProtocols(new String[] {"h2"});
                socket.setSSLParameters(parameters);
                socket.setSoTimeout(10_000);
                socket.startHandshake();
            }
            return seen[0];
        } catch (Exception e) {
            throw new IllegalStateException("cannot see the API's certificate: " + e, e);
        }
    }

    private static boolean quicTrustsOnlyTheNewCa() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", PemFiles.certificates(otherPki.caPem()).getFirst());
            QuicClientConnection connection = QuicClientConnection.newBuilder()
                    .customTrustStore(trust)
                    .host("localhost")
                    .port(node.replicationPort())
                    .applicationProtocol(QuicServer.ALPN)
                    .connectTimeout(Duration.ofSeconds(3))
                    .logger(new NullLogger())
                    .build();
            try {
                connection.connect();
                return true;
            } finally {
                connection.close();
            }
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    @Order(6)
    void unusableTlsSettingsStopStartUpNamingTheKeyAndTheFile() throws Exception {
        Run noFiles = run("--api.address=https://127.0.0.1:" + ArmadaProcess.freePort());
        assertEquals(2, noFiles.exit(), noFiles.output());
        assertTrue(noFiles.output().contains("api.address: https:// needs api.cert-filename and api.key-filename"),
                noFiles.output());

        Run wrongKey = run("--api.address=https://127.0.0.1:" + ArmadaProcess.freePort(),
                "--api.cert-filename=" + pki.serverChainPem(), "--api.key-filename=" + pki.clientKeyPem());
        assertEquals(2, wrongKey.exit(), wrongKey.output());
        assertTrue(wrongKey.output().contains("api.cert-filename / api.key-filename: the private key in "
                + pki.clientKeyPem() + " does not belong"), wrongKey.output());
    }

    private record Run(int exit, String output) {
    }

    private static Run run(String... flags) throws Exception {
        Path data = Files.createTempDirectory(dir, "bad");
        List<String> cmd = new ArrayList<>(List.of(ArmadaProcess.root().resolve("armada").toString(), "leader",
                "--rest.address=http://127.0.0.1:" + ArmadaProcess.freePort(),
                "--raft.address=127.0.0.1:" + ArmadaProcess.freePort(),
                "--raft.node-host-dir=" + data.resolve("raft"), "--raft.state-machine-dir=" + data.resolve("tables"),
                "--replication.enabled=false"));
        cmd.addAll(List.of(flags));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("ARMADA_SKIP_BUILD", "1");
        pb.environment().put("ARMADA_JAVA_OPTS", "-Xmx256m");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), out);
    }
}
