package io.armadakv.node.cli;

import armada.v1.ClusterGrpc;
import armada.v1.StatusRequest;
import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import maintenance.v1.MaintenanceGrpc;
import maintenance.v1.MaintenanceOuterClass.BackupRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import replication.v1.Replication.SnapshotChunk;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code armada backup}: one {@code <table>.bak} per table (the raw Backup stream, API.md RP-5)
 * and a {@code manifest.json} written last, after every file is complete and renamed into
 * place; an existing manifest is removed first, so a backup that stops half-way leaves no
 * manifest that a restore would trust.
 */
@Command(name = "armada backup", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Back up the tables of a leader cluster into DIR (one <table>.bak each and manifest.json).")
public final class BackupCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "directory to write the backup into")
    Path dir;

    @Option(names = "--table", paramLabel = "NAME", split = ",",
            description = "table(s) to back up (default: every table Cluster.Status lists)")
    List<String> tables;

    private final PrintStream out;
    private final PrintStream err;

    public BackupCommand() {
        this(System.out, System.err);
    }

    public BackupCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        try (ApiConnection api = connection.open()) {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve(Manifest.FILE_NAME));
            List<String> names = tables != null && !tables.isEmpty() ? tables : listTables(api);
            Manifest manifest = new Manifest();
            manifest.started = Instant.now().toString();
            for (String name : names) {
                manifest.tables.add(backup(api, name));
            }
            manifest.finished = Instant.now().toString();
            manifest.write(dir);
            out.println("backup of " + names.size() + " table(s) from " + api.target() + " written to " + dir);
            return 0;
        } catch (UsageException e) {
            err.println("armada backup: " + e.getMessage());
            return 2;
        } catch (CliException | IOException e) {
            err.println("armada backup: " + e.getMessage());
            return 1;
        } catch (StatusRuntimeException e) {
            err.println("armada backup: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return 1;
        }
    }

    /** The keys of Cluster.Status's tables map (API.md C-3). */
    private static List<String> listTables(ApiConnection api) {
        List<String> names = new ArrayList<>(ClusterGrpc.newBlockingStub(api.channel())
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .status(StatusRequest.getDefaultInstance()).getTablesMap().keySet());
        names.sort(null);
        return names;
    }

    private Manifest.Entry backup(ApiConnection api, String name) throws IOException, CliException {
        String fileName = fileName(name);
        Path target = dir.resolve(fileName);
        Path tmp = AtomicFiles.temp(target);
        FileDigests digests = new FileDigests();
        Iterator<SnapshotChunk> chunks = MaintenanceGrpc.newBlockingStub(api.channel())
                .withDeadlineAfter(1, TimeUnit.HOURS)
                .backup(BackupRequest.newBuilder().setTable(ByteString.copyFromUtf8(name)).build());
        try (OutputStream file = Files.newOutputStream(tmp)) {
            while (chunks.hasNext()) {
                SnapshotChunk c = chunks.next();
                if (c.getLen() != c.getData().size()) {
                    throw new CliException("table " + name + ": a chunk says len " + c.getLen() + " but carries "
                            + c.getData().size() + " bytes");
                }
                byte[] data = c.getData().toByteArray();
                file.write(data);
                digests.update(data, 0, data.length);
            }
        } catch (StatusRuntimeException e) {
            Files.deleteIfExists(tmp);
            throw new CliException("table " + name + ": " + e.getStatus().getCode() + ": "
                    + e.getStatus().getDescription());
        } catch (IOException | CliException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        AtomicFiles.commit(tmp, target);
        FileDigests.Result r = digests.finish();
        Manifest.Entry e = new Manifest.Entry();
        e.name = name;
        e.fileName = fileName;
        e.md5 = r.md5();
        e.sha256 = r.sha256();
        e.size = r.size();
        out.println("table " + name + ": " + r.size() + " bytes to " + target + " (md5 " + r.md5() + ")");
        return e;
    }

    /** {@code <table>.bak}, with bytes a file name cannot hold percent-encoded. */
    static String fileName(String table) {
        StringBuilder sb = new StringBuilder();
        for (byte b : table.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || (c == '.' && sb.length() > 0)) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", b & 0xFF));
            }
        }
        return sb + ".bak";
    }
}
