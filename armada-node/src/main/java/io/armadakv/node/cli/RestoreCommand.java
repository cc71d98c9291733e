package io.armadakv.node.cli;

import com.google.protobuf.ByteString;
import io.armadakv.node.backup.BackupFormatException;
import io.armadakv.node.backup.BackupReader;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import maintenance.v1.MaintenanceGrpc;
import maintenance.v1.MaintenanceOuterClass.RestoreInfo;
import maintenance.v1.MaintenanceOuterClass.RestoreMessage;
import maintenance.v1.MaintenanceOuterClass.RestoreResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import replication.v1.Replication.SnapshotChunk;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code armada restore}: reads {@code manifest.json}, checks that every listed file is there
 * with its checksums and decodes as a backup, and only then sends anything; each table then gets
 * one Restore stream, which replaces its content in one step on the cluster.
 */
@Command(name = "armada restore", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Restore tables from a backup directory (manifest.json and its files) into a leader cluster.")
public final class RestoreCommand implements Callable<Integer> {

    /** Restore messages stay well under the server's api.max-recv-message-size. */
    static final int CHUNK_BYTES = 1024 * 1024;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "backup directory")
    Path dir;

    @Option(names = "--table", paramLabel = "NAME", split = ",",
            description = "table(s) of the manifest to restore (default: all of them)")
    List<String> tables;

    private final PrintStream out;
    private final PrintStream err;

    public RestoreCommand() {
        this(System.out, System.err);
    }

    public RestoreCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        try {
            List<Manifest.Entry> selected = select(Manifest.read(dir));
            for (Manifest.Entry e : selected) {
                verify(e);
            }
            try (ApiConnection api = connection.open()) {
                for (Manifest.Entry e : selected) {
                    restore(api, e);
                }
                out.println("restored " + selected.size() + " table(s) from " + dir + " into " + api.target());
            }
            return 0;
        } catch (UsageException e) {
            err.println("armada restore: " + e.getMessage());
            return 2;
        } catch (CliException e) {
            err.println("armada restore: " + e.getMessage());
            return 1;
        }
    }

    private List<Manifest.Entry> select(Manifest m) throws UsageException {
        if (tables == null || tables.isEmpty()) {
            return m.tables;
        }
        List<Manifest.Entry> out = new ArrayList<>();
        for (String name : tables) {
            out.add(m.tables.stream().filter(t -> t.name.equals(name)).findFirst()
                    .orElseThrow(() -> new UsageException("--table " + name + ": not in " + dir.resolve(Manifest.FILE_NAME))));
        }
        return out;
    }

    /**
     * Size, MD5, SHA-256 when the manifest has them, and a full decode: nothing is sent for a
     * damaged backup. A checksum mismatch is reported before a decoding error: it says the file
     * is not the one the backup wrote, which is what the operator needs to know first.
     */
    private void verify(Manifest.Entry e) throws CliException {
        Path file = dir.resolve(e.fileName);
        FileDigests digests = new FileDigests();
        BackupFormatException undecodable = null;
        try (InputStream raw = Files.newInputStream(file);
             DigestingInputStream digesting = new DigestingInputStream(raw, digests)) {
            try {
                // not closed here: closing it would close the file before the digests have it all
                BackupReader reader = new BackupReader(digesting, file.toString());
                while (reader.next() != null) {
                    // decoding every record is the check
                }
            } catch (BackupFormatException ex) {
                undecodable = ex;
            }
            // the reader may stop before the file's last byte; the checksums must cover every byte
            digesting.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (NoSuchFileException ex) {
            throw new CliException(file + ": missing (listed for table " + e.name + " in the manifest); nothing was restored");
        } catch (IOException ex) {
            throw new CliException(file + ": cannot read it: " + ex.getMessage() + "; nothing was restored");
        }
        FileDigests.Result r = digests.finish();
        if (e.size != null && e.size != r.size()) {
            throw new CliException(file + ": " + r.size() + " bytes, but the manifest says " + e.size
                    + " (truncated or replaced); nothing was restored");
        }
        if (!e.md5.equalsIgnoreCase(r.md5())) {
            throw new CliException(file + ": md5 " + r.md5() + " does not match the manifest's " + e.md5
                    + " (corrupted or replaced); nothing was restored");
        }
        if (e.sha256 != null && !e.sha256.equalsIgnoreCase(r.sha256())) {
            throw new CliException(file + ": sha256 " + r.sha256() + " does not match the manifest's " + e.sha256
                    + " (corrupted or replaced); nothing was restored");
        }
        if (undecodable != null) {
            throw new CliException(undecodable.getMessage() + " (table " + e.name + "); nothing was restored");
        }
    }

    private void restore(ApiConnection api, Manifest.Entry e) throws CliException {
        Path file = dir.resolve(e.fileName);
        CompletableFuture<Void> done = new CompletableFuture<>();
        Object ready = new Object();
        ClientResponseObserver<RestoreMessage, RestoreResponse> responses = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<RestoreMessage> requests) {
                requests.setOnReadyHandler(() -> {
                    synchronized (ready) {
                        ready.notifyAll();
                    }
                });
            }

            @Override
            public void onNext(RestoreResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
                synchronized (ready) {
                    ready.notifyAll();
                }
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        };
        ClientCallStreamObserver<RestoreMessage> requests = (ClientCallStreamObserver<RestoreMessage>)
                MaintenanceGrpc.newStub(api.channel()).withDeadlineAfter(1, TimeUnit.HOURS).restore(responses);
        try (InputStream in = Files.newInputStream(file)) {
            requests.onNext(RestoreMessage.newBuilder()
                    .setInfo(RestoreInfo.newBuilder().setTable(ByteString.copyFromUtf8(e.name))).build());
            byte[] buf = new byte[CHUNK_BYTES];
            int n;
            while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
                synchronized (ready) {
                    while (!requests.isReady() && !done.isDone()) {
                        ready.wait(1000);
                    }
                }
                if (done.isDone()) {
                    break; // the server already answered, with an error
                }
                requests.onNext(RestoreMessage.newBuilder().setChunk(SnapshotChunk.newBuilder()
                        .setData(ByteString.copyFrom(buf, 0, n)).setLen(n)).build());
            }
            requests.onCompleted();
            done.get();
        } catch (IOException ex) {
            requests.cancel("the backup file could not be read", ex);
            throw new CliException(file + ": cannot read it: " + ex.getMessage());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            requests.cancel("interrupted", ex);
            throw new CliException("table " + e.name + ": interrupted");
        } catch (ExecutionException ex) {
            String why = ex.getCause() instanceof StatusRuntimeException s
                    ? s.getStatus().getCode() + ": " + s.getStatus().getDescription() : String.valueOf(ex.getCause());
            throw new CliException("table " + e.name + ": restore refused, the table is unchanged: " + why);
        }
        out.println("table " + e.name + ": restored from " + file);
    }

    /** Feeds every byte read through it to the digests. */
    private static final class DigestingInputStream extends java.io.FilterInputStream {
        private final FileDigests digests;

        DigestingInputStream(InputStream in, FileDigests digests) {
            super(in);
            this.digests = digests;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                digests.update(new byte[] {(byte) b}, 0, 1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                digests.update(b, off, n);
            }
            return n;
        }
    }
}
