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
 * The training run of the JDK's ahead-of-time cache (JEP 483/515): this JVM runs node 1 of a
 * three-node leader cluster on free loopback ports and a temporary directory, with nodes 2 and 3
 * as child processes of the same jar, drives the API of all three the way clients do, and exits.
 * Node 1 leads one table and follows the other, so the cache holds both roles: relaying writes
 * and taking relayed ones, sending and taking Raft appends, applying. Run by the build with
 * {@code -XX:AOTCacheOutput}; the launcher then starts nodes with the classes it loaded already
 * parsed and linked, and with its method profiles, so the JIT compiles the hot paths sooner: an
 * idle node answered in 3.9 s instead of 9.3 here, and a fresh cluster under Put load warmed up
 * faster than with a single-node training (docs/benchmarks.md, "AOT training").
 * A failed training leaves a smaller cache, never a failed build: the cache only saves time.
 */
public final class AotTraining {

    private static final int CLIENTS = 12;
    private static final int IN_FLIGHT = 8;
    private static final int NODES = 3;
    private static final java.util.concurrent.atomic.AtomicLong REQUESTS = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong FAILED = new java.util.concurrent.atomic.AtomicLong();
    private static volatile String lastFailure = "none";

    private AotTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("armada-aot-training");
        Server server = null;
        List<Process> others = new java.util.concurrent.CopyOnWriteArrayList<>();
        // a build stopped with Ctrl-C must not leave the other two nodes running
        Runtime.getRuntime().addShutdownHook(new Thread(() -> others.forEach(Process::destroyForcibly)));
        try {
            int[] api = new int[NODES];
            int[] raft = new int[NODES];
            StringBuilder members = new StringBuilder();
            for (int i = 0; i < NODES; i++) {
                api[i] = freeTcpPort();
                raft[i] = freeTcpPort();
                members.append(i == 0 ? "" : ",").append(i + 1).append("=127.0.0.1:").append(raft[i]);
            }
            int rest = freeTcpPort();
            for (int i = 1; i < NODES; i++) {
                others.add(startChild(nodeFlags(i + 1, members.toString(), api[i], freeTcpPort(), raft[i], dir), dir));
            }
            server = Main.start(nodeFlags(1, members.toString(), api[0], rest, raft[0], dir), "leader");
            drive(api, rest, args.length > 0 ? Long.parseLong(args[0]) : 40_000);
        } catch (Exception | AssertionError e) {
            System.err.println("armada: AOT training stopped early (the cache holds what it had loaded): " + e);
        } finally {
            for (Process p : others) {
                p.destroy();
            }
            if (server != null) {
                server.stop();
            }
            for (Process p : others) {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            deleteQuietly(dir);
        }
        // the cache is written as the JVM exits
        System.exit(0);
    }

    private static List<String> nodeFlags(int id, String members, int api, int rest, int raft, Path dir)
            throws IOException {
        Path data = dir.resolve("n" + id);
        return List.of(
                "--raft.node-id=" + id,
                "--raft.initial-members=" + members,
                "--api.address=http://127.0.0.1:" + api,
                "--rest.address=http://127.0.0.1:" + rest,
                "--raft.address=127.0.0.1:" + raft,
                "--replication.address=127.0.0.1:" + freeUdpPort(),
                "--raft.node-host-dir=" + data.resolve("raft"),
                "--raft.state-machine-dir=" + data.resolve("tables"));
    }

    /** Another node from the same jar and JVM options, without the cache output: only this JVM trains. */
    private static Process startChild(List<String> flags, Path dir) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        for (String option : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!option.startsWith("-XX:AOTCache") && !option.startsWith("-Xlog")) {
                command.add(option);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "leader"));
        command.addAll(flags);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("node-" + flags.getFirst().replaceAll("\\D", "") + ".log").toFile()).start();
    }

    private static void drive(int[] api, int rest, long millis) throws Exception {
        List<ManagedChannel> channels = new ArrayList<>();
        for (int port : api) {
            channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
        }
        try {
            // shard ids 10001 and 10002: their preferred leaders are node 3 and node 1 (id modulo 3)
            List<ByteString> tables = List.of(ByteString.copyFromUtf8("training"), ByteString.copyFromUtf8("training-2"));
            for (ByteString t : tables) {
                TablesGrpc.newBlockingStub(channels.getFirst()).withDeadlineAfter(120, TimeUnit.SECONDS)
                        .create(CreateTableRequest.newBuilder().setName(t.toStringUtf8()).build());
            }
            TablesGrpc.newBlockingStub(channels.getFirst()).list(ListTablesRequest.getDefaultInstance());
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                ManagedChannel channel = channels.get(c % channels.size());
                ByteString table = tables.get((c / channels.size()) % tables.size());
                clients.add(Thread.ofPlatform().start(() -> work(channel, table, client, deadline)));
            }
            long started = System.nanoTime();
            for (Thread t : clients) {
                t.join();
            }
            System.out.println("armada: AOT training sent " + REQUESTS.get() + " requests to " + NODES + " nodes in "
                    + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " s, " + FAILED.get()
                    + " failed (last: " + lastFailure + ")");
            ClusterGrpc.newBlockingStub(channels.getFirst()).status(StatusRequest.newBuilder().setContentHash(true).build());
            HttpClient http = HttpClient.newHttpClient();
            for (String path : List.of("/metrics", "/health", "/version")) {
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rest + path)).build(),
                        HttpResponse.BodyHandlers.discarding());
            }
        } finally {
            for (ManagedChannel c : channels) {
                c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The request mix of the bench and of configuration clients, {@link #IN_FLIGHT} at a time per
     * client as the bench sends them: puts, point and prefix reads, linearizable reads, CAS,
     * deletes, a streamed range now and then. Failures (a node still electing) are ignored.
     */
    private static void work(ManagedChannel channel, ByteString table, int client, long deadline) {
        KVGrpc.KVStub kv = KVGrpc.newStub(channel);
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(IN_FLIGHT);
        ByteString value = ByteString.copyFrom(new byte[256]);
        try {
            for (int i = 0; System.nanoTime() < deadline; i++) {
                slots.acquire();
                REQUESTS.incrementAndGet();
                ByteString key = ByteString.copyFromUtf8(String.format("k%02d/%06d", client, i % 1000));
                io.grpc.stub.StreamObserver<Object> done = new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(Object value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        FAILED.incrementAndGet();
                        lastFailure = t.toString();
                        slots.release();
                    }

                    @Override
                    public void onCompleted() {
                        slots.release();
                    }
                };
                KVGrpc.KVStub stub = kv.withDeadlineAfter(30, TimeUnit.SECONDS);
                switch (i % 10) {
                    case 0, 1, 2 -> stub.put(PutRequest.newBuilder().setTable(table).setKey(key).setValue(value).build(),
                            cast(done));
                    case 3, 4, 5, 6 -> stub.range(RangeRequest.newBuilder().setTable(table).setKey(key).build(), cast(done));
                    case 7 -> stub.range(RangeRequest.newBuilder().setTable(table).setKey(key).setLinearizable(true).build(),
                            cast(done));
                    case 8 -> {
                        if (i % 20 == 8) {
                            stub.range(RangeRequest.newBuilder().setTable(table)
                                    .setKey(ByteString.copyFromUtf8(String.format("k%02d/", client)))
                                    .setRangeEnd(ByteString.copyFromUtf8(String.format("k%02d0", client))).setLimit(100)
                                    .build(), cast(done));
                        } else {
                            stub.txn(TxnRequest.newBuilder().setTable(table)
                                    .addCompare(Mvcc.Compare.newBuilder().setKey(key)
                                            .setTarget(Mvcc.Compare.CompareTarget.VALUE)
                                            .setResult(Mvcc.Compare.CompareResult.EQUAL).setValue(value))
                                    .addSuccess(Mvcc.RequestOp.newBuilder().setRequestPut(Mvcc.RequestOp.Put.newBuilder()
                                            .setKey(key).setValue(value)))
                                    .build(), cast(done));
                        }
                    }
                    default -> {
                        if (i % 1000 == 9) {
                            stub.iterateRange(RangeRequest.newBuilder().setTable(table).setKey(ByteString.copyFromUtf8("k"))
                                    .setRangeEnd(ByteString.copyFromUtf8("l")).build(), cast(done));
                        } else {
                            stub.deleteRange(DeleteRangeRequest.newBuilder().setTable(table).setKey(key).build(), cast(done));
                        }
                    }
                }
            }
            slots.acquire(IN_FLIGHT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> io.grpc.stub.StreamObserver<T> cast(io.grpc.stub.StreamObserver<Object> observer) {
        return (io.grpc.stub.StreamObserver<T>) (io.grpc.stub.StreamObserver<?>) observer;
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
