package io.armadakv.node.cli;

import armada.v1.ClusterGrpc;
import armada.v1.StatusRequest;
import armada.v1.StatusResponse;
import armada.v1.TableStatus;
import com.google.protobuf.ByteString;
import io.armadakv.node.backup.BackupWriter;
import io.armadakv.node.replication.DevCertificate;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.StreamObserver;
import maintenance.v1.MaintenanceGrpc;
import maintenance.v1.MaintenanceOuterClass.BackupRequest;
import maintenance.v1.MaintenanceOuterClass.RestoreMessage;
import maintenance.v1.MaintenanceOuterClass.RestoreResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import replication.v1.Replication.SnapshotChunk;

import javax.net.ssl.KeyManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLI as a TLS client: with --ca it verifies the server against that CA and sends the token
 * over the encrypted connection; without the CA the handshake fails and no token leaves.
 * The server here is a stand-in speaking the Maintenance wire, not an Armada node.
 */
class CliTlsTest {

    @TempDir
    Path dir;

    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream restored = new ByteArrayOutputStream();
    private byte[] backup;

    private Server start() throws Exception {
        KeyStore ks = DevCertificate.ensure(dir.resolve("cert"));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, DevCertificate.password());
        ByteArrayOutputStream bak = new ByteArrayOutputStream();
        try (BackupWriter w = new BackupWriter(bak, "t")) {
            w.write("k".getBytes(), "v".getBytes());
        }
        backup = bak.toByteArray();
        ServerInterceptor capture = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                String a = headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER));
                authorizations.add(call.getMethodDescriptor().getFullMethodName() + " " + a);
                return next.startCall(call, headers);
            }
        };
        return Grpc.newServerBuilderForPort(0, TlsServerCredentials.newBuilder().keyManager(kmf.getKeyManagers()).build())
                .addService(ServerInterceptors.intercept(new ClusterGrpc.ClusterImplBase() {
                    @Override
                    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
                        observer.onNext(StatusResponse.newBuilder().putTables("t", TableStatus.getDefaultInstance()).build());
                        observer.onCompleted();
                    }
                }, capture))
                .addService(ServerInterceptors.intercept(new MaintenanceGrpc.MaintenanceImplBase() {
                    @Override
                    public void backup(BackupRequest request, StreamObserver<SnapshotChunk> observer) {
                        observer.onNext(SnapshotChunk.newBuilder().setData(ByteString.copyFrom(backup))
                                .setLen(backup.length).build());
                        observer.onCompleted();
                    }

                    @Override
                    public StreamObserver<RestoreMessage> restore(StreamObserver<RestoreResponse> observer) {
                        return new StreamObserver<>() {
                            @Override
                            public void onNext(RestoreMessage m) {
                                if (m.hasChunk()) {
                                    restored.writeBytes(m.getChunk().getData().toByteArray());
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                            }

                            @Override
                            public void onCompleted() {
                                observer.onNext(RestoreResponse.getDefaultInstance());
                                observer.onCompleted();
                            }
                        };
                    }
                }, capture))
                .build().start();
    }

    private Path caPem() throws Exception {
        Path pem = dir.resolve("ca.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(
                DevCertificate.certificate(dir.resolve("cert")).getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        return pem;
    }

    @Test
    void withTheCaTheTokenTravelsOverTlsAndABackupRoundTrips() throws Exception {
        Server server = start();
        try {
            String address = "--address=https://localhost:" + server.getPort();
            Path out = dir.resolve("bk");
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
            PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
            int exit = new CommandLine(new BackupCommand(o, e)).execute(address, "--ca=" + caPem(), "--token=s3cret",
                    "--dir=" + out);
            assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
            assertArrayEquals(backup, Files.readAllBytes(out.resolve("t.bak")));
            assertTrue(authorizations.contains("maintenance.v1.Maintenance/Backup Bearer s3cret"), authorizations.toString());

            exit = new CommandLine(new RestoreCommand(o, e)).execute(address, "--ca=" + caPem(), "--token=s3cret",
                    "--dir=" + out);
            assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
            assertArrayEquals(backup, restored.toByteArray());
            assertTrue(authorizations.contains("maintenance.v1.Maintenance/Restore Bearer s3cret"), authorizations.toString());

            // without the CA the server's certificate is not trusted: the call fails before any header is sent
            authorizations.clear();
            exit = new CommandLine(new BackupCommand(o, e)).execute(address, "--token=s3cret", "--dir=" + dir.resolve("x"));
            assertEquals(1, exit);
            assertEquals(List.of(), authorizations);
        } finally {
            server.shutdownNow();
        }
    }
}
