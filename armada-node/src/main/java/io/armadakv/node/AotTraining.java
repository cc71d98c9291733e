package io.armadakv.node;

import armada.v1.ClusterGrpc;
import armada.v1.CreateTableRequest;
import armada.v1.DeleteRangeRequest;
import armada.v1.KVGrpc;
import armada.v1.ListTablesRequest;
import armada.v1.PutRequest;
import armada.v1.RangeRequest;
import armada.v1.StatusRequest;
import armada.v1.TablesGrpc;
import armada.v1.TxnRequest;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.helidon.microprofile.server.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import mvcc.v1.Mvcc;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The training run of the JDK's ahead-of-time cache (JEP 483/515): starts a single-node leader
 * in this JVM on free loopback ports and a temporary directory, drives the API the way clients
 * do, and exits. Run by the build with {@code -XX:AOTCacheOutput}; the launcher then starts
 * nodes with the classes it loaded already parsed and linked, and with its method profiles, so
 * an idle node answered in 3.9 s instead of 9.3 here.
 * A failed training leaves a smaller cache, never a failed build: the cache only saves time.
 */
public final class AotTraining {

    private static final int WRITERS = 8;

    private AotTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("armada-aot-training");
        Server server = null;
        try {
            int api = freeTcpPort();
            int rest = freeTcpPort();
            server = Main.start(List.of(
                    "--api.address=http://127.0.0.1:" + api,
                    "--rest.address=http://127.0.0.1:" + rest,
                    "--raft.address=127.0.0.1:" + freeTcpPort(),
                    "--replication.address=127.0.0.1:" + freeUdpPort(),
                    "--raft.node-host-dir=" + dir.resolve("raft"),
                    "--raft.state-machine-dir=" + dir.resolve("tables")), "leader");
            drive(api, rest, args.length > 0 ? Long.parseLong(args[0]) : 6_000);
        } catch (Exception | AssertionError e) {
            System.err.println("armada: AOT training stopped early (the cache holds what it had loaded): " + e);
        } finally {
            if (server != null) {
                server.stop();
            }
            deleteQuietly(dir);
        }
        // the cache is written as the JVM exits
        System.exit(0);
    }

    private static void drive(int api, int rest, long millis) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", api).usePlaintext().build();
        try {
            ByteString table = ByteString.copyFromUtf8("training");
            TablesGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                    .create(CreateTableRequest.newBuilder().setName("training").build());
            TablesGrpc.newBlockingStub(channel).list(ListTablesRequest.getDefaultInstance());
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.add(Thread.ofPlatform().start(() -> work(channel, table, writer, deadline)));
            }
            for (Thread t : writers) {
                t.join();
            }
            ClusterGrpc.newBlockingStub(channel).status(StatusRequest.newBuilder().setContentHash(true).build());
            HttpClient http = HttpClient.newHttpClient();
            for (String path : List.of("/metrics", "/health", "/version")) {
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rest + path)).build(),
                        HttpResponse.BodyHandlers.discarding());
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The request mix of the bench and of configuration clients: puts, point and prefix reads, CAS, deletes. */
    private static void work(ManagedChannel channel, ByteString table, int writer, long deadline) {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        ByteString value = ByteString.copyFrom(new byte[256]);
        for (int i = 0; System.nanoTime() < deadline; i++) {
            ByteString key = ByteString.copyFromUtf8(String.format("k%02d/%06d", writer, i % 1000));
            kv.put(PutRequest.newBuilder().setTable(table).setKey(key).setValue(value).build());
            kv.range(RangeRequest.newBuilder().setTable(table).setKey(key).build());
            kv.range(RangeRequest.newBuilder().setTable(table).setKey(key).setLinearizable(true).build());
            if (i % 10 == 0) {
                ByteString prefix = ByteString.copyFromUtf8(String.format("k%02d/", writer));
                kv.range(RangeRequest.newBuilder().setTable(table).setKey(prefix)
                        .setRangeEnd(ByteString.copyFromUtf8(String.format("k%02d0", writer))).setLimit(100).build());
                kv.txn(TxnRequest.newBuilder().setTable(table)
                        .addCompare(Mvcc.Compare.newBuilder().setKey(key).setTarget(Mvcc.Compare.CompareTarget.VALUE)
                                .setResult(Mvcc.Compare.CompareResult.EQUAL).setValue(value))
                        .addSuccess(Mvcc.RequestOp.newBuilder().setRequestPut(Mvcc.RequestOp.Put.newBuilder()
                                .setKey(key).setValue(value)))
                        .build());
            }
            if (i % 50 == 49) {
                kv.deleteRange(DeleteRangeRequest.newBuilder().setTable(table).setKey(key).build());
            }
        }
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory
        }
    }
}
