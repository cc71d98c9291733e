package io.armadakv.node.it;

import armada.v1.ClusterGrpc;
import armada.v1.StatusRequest;
import armada.v1.StatusResponse;
import armada.v1.TableStatus;
import com.google.protobuf.ByteString;
import io.armadakv.node.backup.BackupEntry;
import io.armadakv.node.backup.BackupReader;
import io.armadakv.node.cli.BackupCommand;
import io.armadakv.node.cli.RestoreCommand;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import maintenance.v1.MaintenanceGrpc;
import maintenance.v1.MaintenanceOuterClass.BackupRequest;
import maintenance.v1.MaintenanceOuterClass.ResetRequest;
import maintenance.v1.MaintenanceOuterClass.RestoreInfo;
import maintenance.v1.MaintenanceOuterClass.RestoreMessage;
import maintenance.v1.MaintenanceOuterClass.RestoreResponse;
import mvcc.v1.Mvcc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import replication.v1.Replication.SnapshotChunk;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backup and restore on real processes: a 3-node leader cluster backed up under writes and
 * restored into a 1-node cluster; a restore that readers watch switch at once and that every
 * node applies; the token; the CLI's refusals of damaged backups; the switch.
 */
class BackupRestoreIT {

    private static final String TOKEN = "maint-4c1d";
    private static final List<String> TABLES = List.of("alpha", "beta", "gamma");

    @TempDir
    static Path dir;

    private static List<ArmadaProcess> source;
    private static ArmadaProcess target;

    @BeforeAll
    static void start() {
        source = ArmadaProcess.cluster(dir.resolve("source"), 3, "--maintenance.token=" + TOKEN);
        target = ArmadaProcess.start(dir.resolve("target"), "--maintenance.token=" + TOKEN);
        for (String t : TABLES) {
            Api.createTable(source.getFirst().channel(), t);
            for (int i = 0; i < 120; i++) {
                Api.put(source.get(i % 3).channel(), t, String.format("%s-%04d", t, i), "v" + i + "-" + "x".repeat(i * 37));
            }
        }
    }

    @AfterAll
    static void stop() {
        if (source != null) {
            source.parallelStream().forEach(ArmadaProcess::close);
        }
        if (target != null) {
            target.close();
        }
    }

    private static Channel withToken(Channel ch, String token) {
        Metadata h = new Metadata();
        h.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(h));
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(Object command, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        Object c = command.equals("backup") ? new BackupCommand(o, e) : new RestoreCommand(o, e);
        int exit = new CommandLine(c).execute(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run backup(ArmadaProcess node, Path to, String... more) {
        List<String> args = new ArrayList<>(List.of("--address=" + node.apiUrl(), "--token=" + TOKEN, "--dir=" + to));
        args.addAll(List.of(more));
        return cli("backup", args.toArray(String[]::new));
    }

    private static Run restore(ArmadaProcess node, Path from, String... more) {
        List<String> args = new ArrayList<>(List.of("--address=" + node.apiUrl(), "--token=" + TOKEN, "--dir=" + from));
        args.addAll(List.of(more));
        return cli("restore", args.toArray(String[]::new));
    }

    /** The key/value pairs of a table in key order, read from one node. */
    private static Map<String, String> content(ArmadaProcess node, String table) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Mvcc.KeyValue kv : Api.allLinearizable(node.channel(), table).getKvsList()) {
            out.put(kv.getKey().toStringUtf8(), kv.getValue().toStringUtf8());
        }
        return out;
    }

    private static Map<String, String> decode(Path file) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (BackupReader r = new BackupReader(Files.newInputStream(file), file.toString())) {
            BackupEntry e;
            while ((e = r.next()) != null) {
                out.put(new String(e.key(), StandardCharsets.UTF_8), new String(e.value(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static TableStatus status(ArmadaProcess node, String table) {
        StatusResponse s = ClusterGrpc.newBlockingStub(node.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
                .status(StatusRequest.newBuilder().setContentHash(true).build());
        return s.getTablesMap().get(table);
    }

    private static String sha256(Map<String, String> content) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        content.forEach((k, v) -> {
            sha.update((k + "\0" + v + "\n").getBytes(StandardCharsets.UTF_8));
        });
        return HexFormat.of().formatHex(sha.digest());
    }

    @Test
    void aBackupTakenUnderWritesRestoresIntoASmallerClusterAtItsPoint() throws Exception {
        Path backupDir = dir.resolve("full");
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger acknowledged = new AtomicInteger();
        AtomicReference<Throwable> writerFailed = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; writing.get(); i++) {
                    Api.put(source.get(i % 3).channel(), "alpha", String.format("live-%06d", i), "w" + i);
                    acknowledged.set(i + 1);
                }
            } catch (Throwable t) {
                writerFailed.set(t);
            }
        });
        Waits.until("writes under way", Duration.ofSeconds(30), () -> acknowledged.get() >= 20);
        int before = acknowledged.get();
        Run run = backup(source.get(1), backupDir);
        int after = acknowledged.get();
        writing.set(false);
        writer.join();
        assertEquals(null, writerFailed.get());
        assertEquals(0, run.exit(), run.err());

        // the manifest lists every table Cluster.Status lists, with checksums
        String manifest = Files.readString(backupDir.resolve("manifest.json"));
        for (String t : TABLES) {
            assertTrue(manifest.contains("\"file_name\": \"" + t + ".bak\""), manifest);
        }
        assertTrue(manifest.contains("\"md5\"") && manifest.contains("\"started\"") && manifest.contains("\"finished\""));

        // one point in time: the concurrent writes it holds are a prefix of the acknowledged ones
        Map<String, String> alpha = decode(backupDir.resolve("alpha.bak"));
        List<String> live = alpha.keySet().stream().filter(k -> k.startsWith("live-")).toList();
        assertTrue(live.size() >= before && live.size() <= after + 1, live.size() + " not in [" + before + ", " + after + "]");
        for (int i = 0; i < live.size(); i++) {
            assertEquals(String.format("live-%06d", i), live.get(i), "the backup skipped a write before a later one");
        }
        for (String t : List.of("beta", "gamma")) {
            assertEquals(content(source.getFirst(), t), decode(backupDir.resolve(t + ".bak")));
        }

        Run restored = restore(target, backupDir);
        assertEquals(0, restored.exit(), restored.err());
        for (String t : TABLES) {
            Map<String, String> expected = decode(backupDir.resolve(t + ".bak"));
            assertEquals(sha256(expected), sha256(content(target, t)), "table " + t);
            assertEquals(expected.size(), content(target, t).size());
        }
        // a second restore replaces what the first one wrote, and the table keeps its id
        Api.put(target.channel(), "beta", "extra", "gone after the next restore");
        long revision = status(target, "beta").getRevision();
        assertEquals(0, restore(target, backupDir, "--table=beta").exit());
        assertEquals(decode(backupDir.resolve("beta.bak")), content(target, "beta"));
        assertEquals(revision + 1, status(target, "beta").getRevision(), "a restore is one write: one new revision");
    }

    @Test
    void readersSeeTheOldContentOrTheNewNeverAMixAndEveryNodeAppliesTheRestore() throws Exception {
        // the new content: 200 keys overlapping half of the old ones, ~2 MiB so it is staged in several entries
        Api.createTable(source.getFirst().channel(), "fresh");
        String big = "n".repeat(10_000);
        for (int i = 100; i < 300; i++) {
            Api.put(source.getFirst().channel(), "fresh", String.format("k%03d", i), big);
        }
        ByteArrayOutputStream backup = new ByteArrayOutputStream();
        Iterator<SnapshotChunk> chunks = MaintenanceGrpc.newBlockingStub(withToken(source.get(2).channel(), TOKEN))
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .backup(BackupRequest.newBuilder().setTable(ByteString.copyFromUtf8("fresh")).build());
        while (chunks.hasNext()) {
            SnapshotChunk c = chunks.next();
            assertEquals(c.getData().size(), c.getLen());
            assertTrue(c.getLen() <= 1024 * 1024);
            backup.write(c.getData().toByteArray());
        }

        Api.createTable(source.getFirst().channel(), "swap");
        for (int i = 0; i < 200; i++) {
            Api.put(source.get(1).channel(), "swap", String.format("k%03d", i), "old");
        }
        // the reader's ranges are serializable: a node may still be applying the last acknowledged put
        for (ArmadaProcess n : source) {
            Waits.until("every node applied the old content", Duration.ofSeconds(30),
                    () -> Api.all(n.channel(), "swap").getKvsCount() == 200);
        }
        AtomicBoolean reading = new AtomicBoolean(true);
        AtomicLong sawOld = new AtomicLong();
        AtomicLong sawNew = new AtomicLong();
        AtomicReference<String> mixed = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            for (int i = 0; reading.get() && mixed.get() == null; i++) {
                List<Mvcc.KeyValue> kvs = Api.all(source.get(i % 3).channel(), "swap").getKvsList();
                Set<String> values = new HashSet<>();
                kvs.forEach(kv -> values.add(kv.getValue().toStringUtf8()));
                String first = kvs.isEmpty() ? "" : kvs.getFirst().getKey().toStringUtf8();
                if (kvs.size() == 200 && values.equals(Set.of("old")) && first.equals("k000")) {
                    sawOld.incrementAndGet();
                } else if (kvs.size() == 200 && values.equals(Set.of(big)) && first.equals("k100")) {
                    sawNew.incrementAndGet();
                } else {
                    mixed.set("node " + (i % 3 + 1) + " showed " + kvs.size() + " keys from " + first
                            + " with " + values.size() + " distinct values");
                }
            }
        });
        Waits.until("the reader saw the old content", Duration.ofSeconds(30), () -> sawOld.get() > 0);

        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<RestoreMessage> requests = MaintenanceGrpc.newStub(withToken(source.get(0).channel(), TOKEN))
                .withDeadlineAfter(120, TimeUnit.SECONDS).restore(observer(done));
        requests.onNext(RestoreMessage.newBuilder().setInfo(RestoreInfo.newBuilder()
                .setTable(ByteString.copyFromUtf8("swap"))).build());
        byte[] bytes = backup.toByteArray();
        for (int off = 0; off < bytes.length; off += 100_000) {
            int n = Math.min(100_000, bytes.length - off);
            requests.onNext(RestoreMessage.newBuilder().setChunk(SnapshotChunk.newBuilder()
                    .setData(ByteString.copyFrom(bytes, off, n)).setLen(n)).build());
        }
        requests.onCompleted();
        done.get(120, TimeUnit.SECONDS);
        Waits.until("the reader saw the new content", Duration.ofSeconds(30), () -> sawNew.get() > 0 || mixed.get() != null);
        reading.set(false);
        reader.join();
        assertEquals(null, mixed.get());

        // the restored table keeps taking writes as a Raft group of three
        for (int i = 0; i < 30; i++) {
            Api.put(source.get(i % 3).channel(), "swap", "after-" + i, "w");
        }
        Waits.until("equal content hashes on all nodes", Duration.ofSeconds(60), () -> {
            Set<String> hashes = new HashSet<>();
            for (ArmadaProcess n : source) {
                TableStatus t = status(n, "swap");
                hashes.add(t == null ? "none" : t.getRevision() + "/" + t.getContentHash());
            }
            return hashes.size() == 1 && !hashes.contains("none");
        });
        assertEquals(230, content(source.get(2), "swap").size());
    }

    private static StreamObserver<RestoreResponse> observer(CompletableFuture<Void> done) {
        return new StreamObserver<>() {
            @Override
            public void onNext(RestoreResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        };
    }

    @Test
    void theMaintenanceApiNeedsTheTokenAndChecksItsMessages() throws Exception {
        BackupRequest beta = BackupRequest.newBuilder().setTable(ByteString.copyFromUtf8("beta")).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> MaintenanceGrpc
                .newBlockingStub(source.getFirst().channel()).backup(beta).hasNext());
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> MaintenanceGrpc
                .newBlockingStub(withToken(source.getFirst().channel(), "wrong")).backup(beta).hasNext());
        assertEquals("Invalid token", e.getStatus().getDescription());
        Run noToken = cli("backup", "--address=" + source.getFirst().apiUrl(), "--dir=" + dir.resolve("nope"),
                "--table=beta");
        assertEquals(1, noToken.exit());
        assertTrue(noToken.err().contains("UNAUTHENTICATED"), noToken.err());

        Channel ok = withToken(source.getFirst().channel(), TOKEN);
        e = assertThrows(StatusRuntimeException.class, () -> MaintenanceGrpc.newBlockingStub(ok)
                .backup(BackupRequest.newBuilder().setTable(ByteString.copyFromUtf8("no-such")).build()).hasNext());
        assertEquals(Status.Code.UNKNOWN, e.getStatus().getCode());
        assertEquals("table not found", e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> MaintenanceGrpc.newBlockingStub(ok)
                .reset(ResetRequest.newBuilder().setResetAll(true).build()));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());

        // M-2: the first message must be info, every later one a chunk
        CompletableFuture<Void> noInfo = new CompletableFuture<>();
        StreamObserver<RestoreMessage> r = MaintenanceGrpc.newStub(ok).restore(observer(noInfo));
        r.onNext(RestoreMessage.newBuilder().setChunk(SnapshotChunk.getDefaultInstance()).build());
        r.onCompleted();
        assertStatus(noInfo, Status.Code.UNKNOWN, "first message should contain info");
        CompletableFuture<Void> twoInfos = new CompletableFuture<>();
        r = MaintenanceGrpc.newStub(ok).restore(observer(twoInfos));
        RestoreMessage info = RestoreMessage.newBuilder().setInfo(RestoreInfo.newBuilder()
                .setTable(ByteString.copyFromUtf8("beta"))).build();
        r.onNext(info);
        r.onNext(info);
        r.onCompleted();
        assertStatus(twoInfos, Status.Code.UNKNOWN, "chunk expected");
        // garbage is refused with the reason, and the table is unchanged
        TableStatus before = status(source.getFirst(), "beta");
        CompletableFuture<Void> garbage = new CompletableFuture<>();
        r = MaintenanceGrpc.newStub(ok).restore(observer(garbage));
        r.onNext(info);
        r.onNext(RestoreMessage.newBuilder().setChunk(SnapshotChunk.newBuilder()
                .setData(ByteString.copyFromUtf8("not a backup"))).build());
        r.onCompleted();
        StatusRuntimeException refused = assertStatus(garbage, Status.Code.INVALID_ARGUMENT, null);
        assertTrue(refused.getStatus().getDescription().contains("not a backup"), refused.getStatus().getDescription());
        assertEquals(before.getContentHash(), status(source.getFirst(), "beta").getContentHash());
    }

    private static StatusRuntimeException assertStatus(CompletableFuture<Void> call, Status.Code code, String message) {
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> call.get(30, TimeUnit.SECONDS));
        StatusRuntimeException s = (StatusRuntimeException) e.getCause();
        assertEquals(code, s.getStatus().getCode(), String.valueOf(s.getStatus()));
        if (message != null) {
            assertEquals(message, s.getStatus().getDescription());
        }
        return s;
    }

    @Test
    void theRestoreCommandRefusesADamagedBackupAndLeavesTheClusterUntouched() throws Exception {
        Path good = dir.resolve("good");
        Run run = backup(source.getFirst(), good, "--table=beta,gamma");
        assertEquals(0, run.exit(), run.err());
        // the target holds something else under these names, which must survive every refusal
        for (String table : List.of("beta", "gamma")) {
            if (status(target, table) == null) {
                Api.createTable(target.channel(), table);
            }
            Api.put(target.channel(), table, table + "-0000", "target's own");
        }
        Map<String, TableStatus> before = new LinkedHashMap<>();
        for (String t : List.of("beta", "gamma")) {
            before.put(t, status(target, t));
        }

        Path flipped = copy(good, "flipped");
        byte[] b = Files.readAllBytes(flipped.resolve("gamma.bak"));
        b[b.length / 2] ^= 0x40;
        Files.write(flipped.resolve("gamma.bak"), b);
        assertRefused(flipped, "gamma.bak: md5");

        Path truncated = copy(good, "truncated");
        byte[] t = Files.readAllBytes(truncated.resolve("beta.bak"));
        Files.write(truncated.resolve("beta.bak"), java.util.Arrays.copyOf(t, t.length - 7));
        assertRefused(truncated, "beta.bak");

        Path missing = copy(good, "missing");
        Files.delete(missing.resolve("gamma.bak"));
        assertRefused(missing, "gamma.bak: missing");

        Path edited = copy(good, "edited");
        String manifest = Files.readString(edited.resolve("manifest.json"));
        String md5 = manifest.replaceAll("(?s).*\"md5\": \"([0-9a-f]{32})\".*", "$1");
        Files.writeString(edited.resolve("manifest.json"), manifest.replace(md5, "0".repeat(32)));
        assertRefused(edited, "does not match the manifest");

        for (String table : before.keySet()) {
            TableStatus now = status(target, table);
            assertEquals(before.get(table).getRevision(), now.getRevision(), table);
            assertEquals(before.get(table).getContentHash(), now.getContentHash(), table);
        }
    }

    private static Path copy(Path from, String name) throws Exception {
        Path to = dir.resolve(name);
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    private static void assertRefused(Path backupDir, String message) {
        Run run = restore(target, backupDir);
        assertEquals(1, run.exit(), run.out() + run.err());
        assertTrue(run.err().contains(message) && run.err().contains("nothing was restored"), run.err());
    }

    @Test
    void aSwitchedOffMaintenanceApiAnswersUnimplemented() {
        try (ArmadaProcess off = ArmadaProcess.start(dir.resolve("off"), "--maintenance.enabled=false")) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> MaintenanceGrpc
                    .newBlockingStub(off.channel()).backup(BackupRequest.newBuilder()
                            .setTable(ByteString.copyFromUtf8("any")).build()).hasNext());
            assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
            assertFalse(e.getStatus().getDescription() == null);
        }
    }
}
