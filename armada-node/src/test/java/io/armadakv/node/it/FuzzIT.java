package io.armadakv.node.it;

import armada.v1.ClusterGrpc;
import armada.v1.CreateTableRequest;
import armada.v1.DeleteRangeRequest;
import armada.v1.DeleteTableRequest;
import armada.v1.KVGrpc;
import armada.v1.ListTablesRequest;
import armada.v1.PutRequest;
import armada.v1.RangeRequest;
import armada.v1.StatusRequest;
import armada.v1.TableStatus;
import armada.v1.TablesGrpc;
import armada.v1.TxnRequest;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import maintenance.v1.MaintenanceOuterClass;
import mvcc.v1.Mvcc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import replication.v1.Replication;
import tech.kwik.core.QuicClientConnection;
import tech.kwik.core.QuicStream;
import tech.kwik.core.log.NullLogger;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.armadakv.node.it.Api.OPEN_END;
import static io.armadakv.node.it.Api.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input against a 3-node leader cluster: random and mutated protobuf bytes as raw gRPC
 * messages to every method of every service the API port may serve (found from the generated
 * service descriptors, so a service added later is covered), unknown methods, gzip-compressed
 * garbage, hand-made HTTP/2 with bad compression flags and lying length prefixes, bytes that are
 * not HTTP/2, and random and mutated requests and datagrams at the QUIC replication endpoint.
 * Afterwards every node still answers, a table no accepted request named is unchanged, and every
 * table has the same content hash on every node.
 * <p>
 * Reproduce a failure with the printed seed: {@code -Dfuzz.seed=N}; run longer with
 * {@code -Dfuzz.iterations=100000} (gRPC calls, default 1200; the raw and QUIC rounds scale with it).
 */
class FuzzIT {

    /** Content no valid fuzz request names, so it must come through unchanged. */
    private static final String KNOWN = "fuzz-known-7f3a";
    private static final String SCRATCH = "scratch";
    private static final byte[] KNOWN_BYTES = KNOWN.getBytes(StandardCharsets.UTF_8);
    private static final int MAX_CREATED_TABLES = 4;

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    /** Methods that may change a table when they succeed. */
    private static final Set<String> WRITES = Set.of("regatta.v1.KV/Put", "regatta.v1.KV/DeleteRange",
            "regatta.v1.KV/Txn", "regatta.v1.Tables/Create", "regatta.v1.Tables/Delete",
            "maintenance.v1.Maintenance/Restore", "maintenance.v1.Maintenance/Reset");

    @TempDir
    Path dir;

    private final long seed = Long.getLong("fuzz.seed", System.nanoTime());
    private final int iterations = Integer.getInteger("fuzz.iterations", 1200);

    private final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    private final Set<String> internalErrors = ConcurrentHashMap.newKeySet();
    private final Map<String, Set<String>> samples = new ConcurrentHashMap<>();
    private final AtomicBoolean knownTouched = new AtomicBoolean();
    private final AtomicInteger tablesCreated = new AtomicInteger();
    private final AtomicInteger restores = new AtomicInteger();

    @Test
    void hostileInputNeitherCrashesANodeNorChangesData() throws Exception {
        System.out.println("FuzzIT seed " + seed + ", " + iterations + " iterations (-Dfuzz.seed=" + seed + ")");
        List<ArmadaProcess> nodes = ArmadaProcess.cluster(dir, 3);
        try {
            run(nodes);
        } catch (Throwable e) {
            throw new AssertionError("fuzz seed " + seed + " (rerun with -Dfuzz.seed=" + seed + " -Dfuzz.iterations="
                    + iterations + "); outcomes " + new TreeMap<>(outcomes) + "; logs:\n"
                    + nodes.stream().map(ArmadaProcess::logTail).reduce("", (a, b) -> a + "\n----\n" + b), e);
        } finally {
            nodes.forEach(ArmadaProcess::close);
        }
    }

    private void run(List<ArmadaProcess> nodes) throws Exception {
        ManagedChannel first = nodes.getFirst().channel();
        create(first, KNOWN);
        create(first, SCRATCH);
        for (ArmadaProcess n : nodes) {
            Waits.until("both tables on every node", Duration.ofSeconds(30), () -> {
                List<String> names = TablesGrpc.newBlockingStub(n.channel()).list(ListTablesRequest.getDefaultInstance())
                        .getTablesList().stream().map(armada.v1.TableInfo::getName).toList();
                return names.contains(KNOWN) && names.contains(SCRATCH);
            });
        }
        for (int i = 0; i < 40; i++) {
            Api.put(first, KNOWN, bs(String.format("k%02d", i)), bs("value " + i));
        }
        Api.kv(first).deleteRange(DeleteRangeRequest.newBuilder().setTable(bs(KNOWN)).setKey(bs("k07")).build());
        Map<String, String> before = agreedHashes(nodes);

        long started = System.nanoTime();
        fuzzGrpc(nodes);
        long grpcDone = System.nanoTime();
        fuzzHttp2(nodes);
        long rawDone = System.nanoTime();
        fuzzQuic(nodes.getFirst());
        fuzzUdp(nodes);
        long quicDone = System.nanoTime();
        System.out.printf("FuzzIT: gRPC %d ms, raw HTTP/2 %d ms, QUIC and UDP %d ms; outcomes %s; samples %s%n",
                (grpcDone - started) / 1_000_000, (rawDone - grpcDone) / 1_000_000, (quicDone - rawDone) / 1_000_000,
                new TreeMap<>(outcomes), new TreeMap<>(samples));

        for (ArmadaProcess n : nodes) {
            assertTrue(n.isAlive(), "node on port " + n.apiPort() + " died:\n" + n.logTail());
            ClusterGrpc.newBlockingStub(n.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance());
        }
        assertTrue(internalErrors.isEmpty(), "unexpected INTERNAL answers: " + internalErrors);
        Map<String, String> after = agreedHashes(nodes);
        if (!knownTouched.get()) {
            assertEquals(before.get(KNOWN), after.get(KNOWN), "the table no accepted request named is unchanged");
        }
        // the known table still reads normally on every node
        for (ArmadaProcess n : nodes) {
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(n.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
            assertEquals(39, kv.range(RangeRequest.newBuilder().setTable(bs(KNOWN)).setKey(bs("k"))
                    .setRangeEnd(OPEN_END).build()).getCount());
            assertEquals("value 3", kv.range(RangeRequest.newBuilder().setTable(bs(KNOWN)).setKey(bs("k03")).build())
                    .getKvs(0).getValue().toStringUtf8());
        }
        // a linearizable IterateRange waits for a ReadIndex round on every node of the cluster, then streams
        for (ArmadaProcess n : nodes) {
            int keys = 0;
            for (java.util.Iterator<armada.v1.RangeResponse> it = KVGrpc.newBlockingStub(n.channel())
                    .withDeadlineAfter(60, TimeUnit.SECONDS).iterateRange(RangeRequest.newBuilder().setTable(bs(KNOWN))
                            .setKey(bs("k")).setRangeEnd(OPEN_END).setLinearizable(true).build()); it.hasNext(); ) {
                keys += it.next().getKvsCount();
            }
            assertEquals(39, keys, "linearizable IterateRange on the node on port " + n.apiPort());
        }
        replicatorStillServed(nodes.getFirst());
    }

    private static void create(Channel ch, String name) {
        TablesGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS)
                .create(CreateTableRequest.newBuilder().setName(name).build());
    }

    /** revision/content hash of every table, once all nodes report the same for each. */
    private static Map<String, String> agreedHashes(List<ArmadaProcess> nodes) {
        Map<String, String> agreed = new HashMap<>();
        List<Object> last = new ArrayList<>();
        try {
            awaitAgreement(nodes, agreed, last);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last seen per node: " + last, e);
        }
        return agreed;
    }

    private static void awaitAgreement(List<ArmadaProcess> nodes, Map<String, String> agreed, List<Object> last) {
        // generous: on a shared 2-core machine a node starved of CPU lags its peers for a while
        Waits.until("equal content hashes of every table on all nodes", Duration.ofSeconds(120), () -> {
            List<Map<String, String>> perNode = new ArrayList<>();
            last.clear();
            last.add(perNode);
            for (ArmadaProcess n : nodes) {
                Map<String, String> hashes = new TreeMap<>();
                Map<String, TableStatus> tables = ClusterGrpc.newBlockingStub(n.channel())
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .status(StatusRequest.newBuilder().setContentHash(true).build()).getTablesMap();
                tables.forEach((name, t) -> hashes.put(name, t.getRevision() + "/" + t.getContentHash()));
                perNode.add(hashes);
            }
            if (new HashSet<>(perNode).size() != 1 || !perNode.getFirst().containsKey(KNOWN)) {
                return false;
            }
            agreed.putAll(perNode.getFirst());
            return true;
        });
    }

    // ------------------------------------------------------------------ gRPC

    private static List<ServiceDescriptor> services() {
        return List.of(KVGrpc.getServiceDescriptor(), ClusterGrpc.getServiceDescriptor(),
                TablesGrpc.getServiceDescriptor(), regatta.v1.MetricsGrpc.getServiceDescriptor(),
                maintenance.v1.MaintenanceGrpc.getServiceDescriptor(),
                io.armadakv.proto.internal.ReplicaGrpc.getServiceDescriptor(),
                replication.v1.MetadataGrpc.getServiceDescriptor(), replication.v1.LogGrpc.getServiceDescriptor(),
                replication.v1.SnapshotGrpc.getServiceDescriptor());
    }

    /** Valid requests by message type, aimed at the scratch table where they write. */
    private static Map<String, List<Message>> seeds() {
        Map<String, List<Message>> seeds = new HashMap<>();
        Mvcc.RequestOp put = Mvcc.RequestOp.newBuilder().setRequestPut(Mvcc.RequestOp.Put.newBuilder()
                .setKey(bs("tx")).setValue(bs("v")).setPrevKv(true)).build();
        Mvcc.RequestOp range = Mvcc.RequestOp.newBuilder().setRequestRange(Mvcc.RequestOp.Range.newBuilder()
                .setKey(bs("a")).setRangeEnd(OPEN_END).setLimit(5)).build();
        seeds.put(RangeRequest.getDescriptor().getFullName(), List.of(
                RangeRequest.newBuilder().setTable(bs(KNOWN)).setKey(bs("k01")).build(),
                RangeRequest.newBuilder().setTable(bs(KNOWN)).setKey(bs("k")).setRangeEnd(OPEN_END).setLimit(10)
                        .setLinearizable(true).build(),
                RangeRequest.newBuilder().setTable(bs(SCRATCH)).setKey(bs("a")).setRangeEnd(bs("z")).setKeysOnly(true)
                        .setRevision(3).build()));
        seeds.put(PutRequest.getDescriptor().getFullName(), List.of(
                PutRequest.newBuilder().setTable(bs(SCRATCH)).setKey(bs("p")).setValue(bs("value")).setPrevKv(true).build()));
        seeds.put(DeleteRangeRequest.getDescriptor().getFullName(), List.of(
                DeleteRangeRequest.newBuilder().setTable(bs(SCRATCH)).setKey(bs("a")).setRangeEnd(bs("m"))
                        .setPrevKv(true).setCount(true).build()));
        seeds.put(TxnRequest.getDescriptor().getFullName(), List.of(
                TxnRequest.newBuilder().setTable(bs(SCRATCH)).addCompare(Mvcc.Compare.newBuilder().setKey(bs("tx"))
                        .setResult(Mvcc.Compare.CompareResult.EQUAL).setValue(bs("v"))).addSuccess(put)
                        .addSuccess(range).addFailure(range).build(),
                TxnRequest.newBuilder().setTable(bs(KNOWN)).addSuccess(range).build()));
        seeds.put(StatusRequest.getDescriptor().getFullName(), List.of(
                StatusRequest.newBuilder().setConfig(true).setContentHash(true).build()));
        seeds.put(CreateTableRequest.getDescriptor().getFullName(), List.of(
                CreateTableRequest.newBuilder().setName("fz").build()));
        // a name never created: deleting tables the fuzz created (catalog churn under load) can leave a
        // node's catalog behind for over a minute, a liveness problem of its own outside this test's aim
        seeds.put(DeleteTableRequest.getDescriptor().getFullName(), List.of(
                DeleteTableRequest.newBuilder().setName("fz-never-created").build()));
        seeds.put(MaintenanceOuterClass.BackupRequest.getDescriptor().getFullName(), List.of(
                MaintenanceOuterClass.BackupRequest.newBuilder().setTable(bs(KNOWN)).build()));
        seeds.put(MaintenanceOuterClass.RestoreMessage.getDescriptor().getFullName(), List.of(
                MaintenanceOuterClass.RestoreMessage.newBuilder().setInfo(MaintenanceOuterClass.RestoreInfo.newBuilder()
                        .setTable(bs(SCRATCH))).build(),
                MaintenanceOuterClass.RestoreMessage.newBuilder().setChunk(Replication.SnapshotChunk.newBuilder()
                        .setData(bs("\u00ff\u0006\u0000\u0000sNaPpY")).setLen(10)).build()));
        seeds.put(MaintenanceOuterClass.ResetRequest.getDescriptor().getFullName(), List.of(
                MaintenanceOuterClass.ResetRequest.newBuilder().setTable(bs(SCRATCH)).build()));
        return seeds;
    }

    private static MethodDescriptor<byte[], byte[]> raw(String fullName, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setFullMethodName(fullName).setType(type)
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    }

    private void fuzzGrpc(List<ArmadaProcess> nodes) throws Exception {
        List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
        services().forEach(s -> methods.addAll(s.getMethods()));
        Map<String, List<Message>> seeds = seeds();
        int workers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                Random random = new Random(seed + w);
                Mutator mutator = new Mutator(random);
                done.add(pool.submit(() -> {
                    // a worker's own connections: what its garbage does to them is its own business
                    List<ManagedChannel> channels = nodes.stream().map(n -> (ManagedChannel) NettyChannelBuilder
                            .forAddress("127.0.0.1", n.apiPort()).usePlaintext().build()).toList();
                    try {
                        for (int i = 0; i < iterations / workers; i++) {
                            oneCall(channels.get(random.nextInt(channels.size())),
                                    methods.get(random.nextInt(methods.size())), seeds, random, mutator);
                        }
                    } finally {
                        channels.forEach(ManagedChannel::shutdownNow);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void oneCall(Channel channel, MethodDescriptor<?, ?> method, Map<String, List<Message>> seeds,
                         Random random, Mutator mutator) throws Exception {
        String name = method.getFullMethodName();
        MethodDescriptor.MethodType type = method.getType();
        int shape = random.nextInt(20);
        if (shape == 0) {
            name = name + "X"; // unknown method of a known service
        } else if (shape == 1) {
            name = "nope.v1." + random.nextInt(3) + "/" + Integer.toHexString(random.nextInt());
        } else if (shape == 2) {
            type = MethodDescriptor.MethodType.BIDI_STREAMING; // the server decides the shape, not the client
        }
        if (name.equals("regatta.v1.Tables/Create") && tablesCreated.get() >= MAX_CREATED_TABLES) {
            return; // each created table is a Raft group on every node: keep the cluster small
        }
        // a restore creates its table before it reads the backup, so every attempt may add one
        if (name.equals("maintenance.v1.Maintenance/Restore") && restores.incrementAndGet() > MAX_CREATED_TABLES) {
            return;
        }
        Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
                .getMessagePrototype();
        List<Message> valid = seeds.getOrDefault(prototype.getDescriptorForType().getFullName(),
                List.of(prototype.getDefaultInstanceForType()));
        int count = type == MethodDescriptor.MethodType.UNARY || type == MethodDescriptor.MethodType.SERVER_STREAMING
                ? (random.nextInt(10) == 0 ? random.nextInt(3) : 1) : random.nextInt(5);
        List<byte[]> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] base = valid.get(Math.min(i, valid.size() - 1)).toByteArray();
            messages.add(random.nextInt(8) == 0 ? base : mutator.mutate(base));
        }
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS);
        if (random.nextInt(4) == 0) {
            options = options.withCompression("gzip");
        }
        Status status = call(channel, raw(name, type), messages, options);
        outcomes.computeIfAbsent(status.getCode().name(), k -> new AtomicInteger()).incrementAndGet();
        Set<String> sample = samples.computeIfAbsent(status.getCode().name(), k -> ConcurrentHashMap.newKeySet());
        if (sample.size() < 6 && !status.isOk()) {
            sample.add(name + ": " + String.valueOf(status.getDescription()).replaceAll("[0-9]+", "N"));
        }
        if (status.getCode() == Status.Code.INTERNAL && !frameworkError(status)) {
            internalErrors.add(name + ": " + status);
        }
        // grpc-java answers UNKNOWN both for a request it cannot parse and for a service that threw:
        // a request that parses and had the method's shape points at the service
        if (status.getCode() == Status.Code.UNKNOWN && "Application error processing RPC".equals(status.getDescription())
                && name.equals(method.getFullMethodName())
                && type == method.getType() && messages.size() == 1 && parses(prototype, messages.getFirst())) {
            internalErrors.add(name + " threw on a well-formed request: " + status);
        }
        if (status.isOk() && WRITES.contains(name)) {
            if (name.equals("regatta.v1.Tables/Create")) {
                tablesCreated.incrementAndGet();
            }
            for (byte[] m : messages) {
                if (contains(m, KNOWN_BYTES)) {
                    knownTouched.set(true);
                }
            }
        }
    }

    private static boolean parses(Message prototype, byte[] bytes) {
        try {
            prototype.getParserForType().parseFrom(bytes);
            return true;
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }

    /** What grpc-java itself answers for bytes it cannot turn into one request. */
    private static boolean frameworkError(Status status) {
        String d = String.valueOf(status.getDescription());
        return d.contains("Invalid protobuf byte sequence") || d.contains("Failed to read message")
                || d.contains("Too many requests") || d.contains("Half-closed without a request")
                || d.contains("Protocol message") || d.contains("Can't decode compressed")
                || d.contains("Connection closed after GOAWAY");
    }

    private static Status call(Channel channel, MethodDescriptor<byte[], byte[]> method, List<byte[]> messages,
                               CallOptions options) throws Exception {
        ClientCall<byte[], byte[]> call = channel.newCall(method, options);
        CompletableFuture<Status> closed = new CompletableFuture<>();
        AtomicInteger received = new AtomicInteger();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                if (received.incrementAndGet() >= 3) {
                    call.cancel("enough", null); // a backup or a long range: a few messages are enough
                } else {
                    call.request(1);
                }
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, new Metadata());
        call.request(1);
        for (byte[] m : messages) {
            call.sendMessage(m);
        }
        call.halfClose();
        return closed.get(30, TimeUnit.SECONDS);
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ raw HTTP/2 and TCP

    private void fuzzHttp2(List<ArmadaProcess> nodes) throws Exception {
        int workers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                long workerSeed = seed ^ 0x4854_5450_32L ^ w;
                done.add(pool.submit(() -> {
                    fuzzHttp2(nodes, new Random(workerSeed), Math.max(60, iterations / 20) / workers);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void fuzzHttp2(List<ArmadaProcess> nodes, Random random, int rounds) throws IOException {
        Mutator mutator = new Mutator(random);
        byte[] put = PutRequest.newBuilder().setTable(bs(SCRATCH)).setKey(bs("raw")).setValue(bs("v")).build().toByteArray();
        String[] paths = {"/regatta.v1.KV/Put", "/regatta.v1.KV/Range", "/regatta.v1.Tables/List",
                "/maintenance.v1.Maintenance/Restore", "/nope/x", "/", "", "regatta.v1.KV/Put", "/" + "a".repeat(5000)};
        for (int i = 0; i < rounds; i++) {
            ArmadaProcess node = nodes.get(random.nextInt(nodes.size()));
            String path = paths[random.nextInt(paths.length)];
            byte[] payload = mutator.mutate(put);
            RawHttp2 h = new RawHttp2();
            byte[] bytes = switch (random.nextInt(10)) {
                // compression flag set without any grpc-encoding
                case 0 -> h.preface().headers(1, path, null, false).grpcMessage(1, 1, payload.length, payload, true).bytes();
                // gzip announced, payload not gzip
                case 1 -> h.preface().headers(1, path, "gzip", false).grpcMessage(1, 1, payload.length, payload, true).bytes();
                // an encoding the node does not have, or any flag byte
                case 2 -> h.preface().headers(1, path, random.nextBoolean() ? "zstd" : "br", false)
                        .grpcMessage(1, 2 + random.nextInt(254), payload.length, payload, true).bytes();
                // a length prefix far beyond the data, or beyond api.max-recv-message-size
                case 3 -> h.preface().headers(1, path, null, false)
                        .grpcMessage(1, 0, random.nextBoolean() ? 0xFFFFFFFFL : 9 << 20, payload, random.nextBoolean()).bytes();
                // frames of any type, flags and stream, with lying lengths
                case 4 -> {
                    h.preface();
                    for (int f = 0; f < 1 + random.nextInt(10); f++) {
                        byte[] p = mutator.noise(random.nextInt(64));
                        h.frame(random.nextInt(12), random.nextInt(256), random.nextInt(8),
                                p, random.nextBoolean() ? p.length : random.nextInt(1 << 24));
                    }
                    yield h.bytes();
                }
                case 5 -> mutator.noise(1 + random.nextInt(2048));
                case 6 -> h.preface().raw(mutator.noise(1 + random.nextInt(512))).bytes();
                case 7 -> ("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nHTTP2-Settings: " + "A".repeat(random.nextInt(100))
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                // many streams opened and abandoned
                case 8 -> {
                    h.preface();
                    for (int s = 1; s < 2 * (1 + random.nextInt(200)); s += 2) {
                        h.headers(s, path, null, random.nextBoolean());
                    }
                    yield h.bytes();
                }
                // a valid message split over DATA frames on a stream id that goes backwards
                default -> h.preface().headers(5, path, null, false).grpcMessage(3, 0, payload.length, payload, true)
                        .bytes();
            };
            RawHttp2.send(node.apiPort(), bytes, random);
            outcomes.computeIfAbsent("raw-tcp", k -> new AtomicInteger()).incrementAndGet();
        }
    }

    // ------------------------------------------------------------------ QUIC replication endpoint

    private static QuicClientConnection quic(ArmadaProcess node) throws IOException {
        QuicClientConnection c = QuicClientConnection.newBuilder()
                .host("127.0.0.1").port(node.replicationPort())
                .applicationProtocol("armada-repl/1")
                .noServerCertificateCheck()
                .connectTimeout(Duration.ofSeconds(5))
                .logger(new NullLogger())
                .build();
        c.connect();
        return c;
    }

    private static List<byte[]> quicSeeds() {
        List<Replication.ReplicationRequest> seeds = List.of(
                Replication.ReplicationRequest.newBuilder().setMetadata(Replication.MetadataRequest.getDefaultInstance()).build(),
                Replication.ReplicationRequest.newBuilder().setReplicate(Replication.ReplicateRequest.newBuilder()
                        .setTable(bs(KNOWN)).setLeaderIndex(1)).setMaxBatchBytes(1024).build(),
                Replication.ReplicationRequest.newBuilder().setReplicate(Replication.ReplicateRequest.newBuilder()
                        .setTable(bs("no-such-table")).setLeaderIndex(1)).build(),
                Replication.ReplicationRequest.newBuilder().setReplicate(Replication.ReplicateRequest.newBuilder()
                        .setTable(bs(KNOWN)).setLeaderIndex(-1)).setWaitMs(Long.MAX_VALUE).build(),
                Replication.ReplicationRequest.newBuilder().setReplicate(Replication.ReplicateRequest.newBuilder()
                        .setTable(bs(KNOWN)).setLeaderIndex(1_000_000)).setWaitMs(-1).setMaxBatchBytes(-1).build(),
                Replication.ReplicationRequest.newBuilder().setReplicate(Replication.ReplicateRequest.newBuilder()
                        .setTable(bs(KNOWN))).build(),
                Replication.ReplicationRequest.newBuilder().setSnapshot(Replication.SnapshotRequest.newBuilder()
                        .setTable(bs(KNOWN))).setMaxBatchBytes(1).build(),
                Replication.ReplicationRequest.newBuilder().setSnapshot(Replication.SnapshotRequest.newBuilder()
                        .setTable(bs("nope"))).build(),
                Replication.ReplicationRequest.newBuilder().setClientAuth(Replication.ClientAuth.newBuilder()
                        .addCertificateChain(bs("not a certificate"))).build(),
                Replication.ReplicationRequest.getDefaultInstance());
        return seeds.stream().map(Message::toByteArray).toList();
    }

    private void fuzzQuic(ArmadaProcess node) throws Exception {
        Random random = new Random(seed ^ 0x5155_4943L);
        Mutator mutator = new Mutator(random);
        List<byte[]> seeds = quicSeeds();
        ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
        int connections = Math.max(3, iterations / 500);
        try {
            for (int c = 0; c < connections; c++) {
                QuicClientConnection connection = quic(node);
                try {
                    List<Future<?>> streams = new ArrayList<>();
                    for (int s = 0; s < 25; s++) {
                        byte[] request = mutator.mutate(seeds.get(random.nextInt(seeds.size())));
                        java.io.ByteArrayOutputStream framed = new java.io.ByteArrayOutputStream();
                        switch (random.nextInt(5)) {
                            case 0 -> framed.writeBytes(request); // no length prefix at all
                            case 1 -> {
                                Mutator.varint(framed, random.nextBoolean() ? 0xFFFFFFFFL : (1L << 35));
                                framed.writeBytes(request);
                            }
                            case 2 -> {
                                Mutator.varint(framed, request.length + random.nextInt(100));
                                framed.writeBytes(request);
                            }
                            default -> {
                                Mutator.varint(framed, request.length);
                                framed.writeBytes(request);
                            }
                        }
                        QuicStream stream = connection.createStream(true);
                        boolean endInput = random.nextInt(4) != 0;
                        streams.add(readers.submit(() -> {
                            stream.getOutputStream().write(framed.toByteArray());
                            if (endInput) {
                                stream.getOutputStream().close();
                            }
                            InputStream in = stream.getInputStream();
                            byte[] buffer = new byte[64 * 1024];
                            long total = 0;
                            while (total < (1 << 20) && in.read(buffer) >= 0) {
                                total += buffer.length;
                            }
                            return null;
                        }));
                    }
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                    for (Future<?> f : streams) {
                        try {
                            f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                            outcomes.computeIfAbsent("quic-stream-ended", k -> new AtomicInteger()).incrementAndGet();
                        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                            // reset, refused or held open (a long poll, an unfinished request): all survivable
                            outcomes.computeIfAbsent("quic-stream-" + e.getClass().getSimpleName(),
                                    k -> new AtomicInteger()).incrementAndGet();
                        }
                    }
                } finally {
                    connection.close();
                }
            }
        } finally {
            readers.shutdownNow();
        }
        assertTrue(node.isAlive(), "QUIC input killed the node:\n" + node.logTail());
    }

    /** Datagrams that are not QUIC, and QUIC-looking long headers with garbage, at every node's endpoint. */
    private void fuzzUdp(List<ArmadaProcess> nodes) throws IOException {
        Random random = new Random(seed ^ 0x5544_50L);
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            for (int i = 0; i < Math.max(300, iterations / 5); i++) {
                ArmadaProcess node = nodes.get(random.nextInt(nodes.size()));
                byte[] datagram = new byte[random.nextInt(1500)];
                random.nextBytes(datagram);
                if (datagram.length > 6 && random.nextBoolean()) {
                    datagram[0] = (byte) (0xC0 | random.nextInt(0x40)); // long header: Initial, 0-RTT, Handshake, Retry
                    datagram[1] = 0;
                    datagram[2] = 0;
                    datagram[3] = 0;
                    datagram[4] = (byte) (random.nextBoolean() ? 1 : random.nextInt(256)); // version 1 or another
                }
                socket.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(),
                        node.replicationPort()));
            }
        }
        outcomes.computeIfAbsent("udp-datagrams", k -> new AtomicInteger()).addAndGet(Math.max(300, iterations / 5));
    }

    /** After all that, a well-behaved replicator gets the table list and the known table's log. */
    private static void replicatorStillServed(ArmadaProcess node) throws IOException {
        QuicClientConnection c = quic(node);
        try {
            QuicStream metadata = c.createStream(true);
            Replication.ReplicationRequest.newBuilder().setMetadata(Replication.MetadataRequest.getDefaultInstance())
                    .build().writeDelimitedTo(metadata.getOutputStream());
            metadata.getOutputStream().close();
            Replication.ReplicationFrame tables = Replication.ReplicationFrame.parseDelimitedFrom(metadata.getInputStream());
            assertTrue(tables.getMetadata().getTablesList().stream().anyMatch(t -> t.getName().equals(KNOWN)),
                    tables.toString());
            QuicStream log = c.createStream(true);
            Replication.ReplicationRequest.newBuilder().setReplicate(Replication.ReplicateRequest.newBuilder()
                    .setTable(bs(KNOWN)).setLeaderIndex(1)).build().writeDelimitedTo(log.getOutputStream());
            log.getOutputStream().close();
            int commands = 0;
            for (Replication.ReplicationFrame f; (f = Replication.ReplicationFrame.parseDelimitedFrom(log.getInputStream())) != null; ) {
                commands += f.getReplicate().getCommandsResponse().getCommandsCount();
            }
            assertTrue(commands >= 41, "the known table's log from index 1: " + commands + " commands");
        } finally {
            c.close();
        }
        assertTrue(Files.exists(node.dataDir()));
    }
}
