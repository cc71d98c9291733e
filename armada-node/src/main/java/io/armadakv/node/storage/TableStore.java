package io.armadakv.node.storage;

import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.ExodusException;
import jetbrains.exodus.env.Transaction;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The MVCC state of one table in its own Xodus environment (ARCHITECTURE.md section 4).
 *
 * <p>Writes arrive only through {@link #apply} and {@link #applyAll}: one or several consecutive
 * Raft entries in one Xodus transaction together with the last one's applied index, so a crash
 * leaves the table before or after an entry, never inside one. Reads run on read-only transactions, which are snapshots, so they
 * need no lock and never see half an entry. The counters are cached in volatile fields that are
 * only updated after a commit; reads that must agree with data take them from their own
 * transaction instead.
 */
public final class TableStore implements AutoCloseable {

    private final Path dir;
    private final StoreOptions options;
    private final Stores stores;
    private final ReentrantLock applyLock = new ReentrantLock();
    private volatile long revision;
    private volatile long appliedIndex;
    private volatile long appliedTerm;
    private volatile long leaderIndex;
    private volatile long compactedRevision;
    private volatile boolean closed;
    /** Guards the background sync's state; never held with {@link #applyLock}, so a sync never delays an apply. */
    private final Object syncLock = new Object();
    private long syncedHighAddress;
    private long syncFileAddress = -1;
    private FileChannel syncChannel;

    private TableStore(Path dir, StoreOptions options, Stores stores) {
        this.dir = dir;
        this.options = options;
        this.stores = stores;
        Transaction txn = stores.env().beginReadonlyTransaction();
        try {
            long[] applied = stores.applied(txn);
            appliedIndex = applied[0];
            appliedTerm = applied[1];
            revision = stores.metaLong(txn, MetaKeys.REVISION);
            leaderIndex = stores.metaLong(txn, MetaKeys.LEADER_INDEX);
            compactedRevision = stores.metaLong(txn, MetaKeys.COMPACTED);
        } finally {
            txn.abort();
        }
    }

    public static TableStore open(Path dir, StoreOptions options) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreException("table " + options.name() + ": cannot create " + dir + ": " + e.getMessage(), e);
        }
        return new TableStore(dir, options, Stores.open(dir, options));
    }

    public String name() {
        return options.name();
    }

    /** The last committed revision, 0 for an empty store. */
    public long revision() {
        return revision;
    }

    public long appliedIndex() {
        return appliedIndex;
    }

    public long appliedTerm() {
        return appliedTerm;
    }

    /** The replication cursor: the leader cluster's index of the last replicated entry, 0 if none. */
    public long leaderIndex() {
        return leaderIndex;
    }

    public long compactedRevision() {
        return compactedRevision;
    }

    /** The number of live keys. */
    public long keyCount() {
        return read(txn -> stores.latest().count(txn));
    }

    /** Bytes of the environment's files. */
    public long sizeOnDisk() {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // a log file the cleaner just deleted
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            throw new StoreException("table " + name() + ": cannot measure " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A table-level metadata blob, null if absent. */
    public byte[] meta(String name) {
        return read(txn -> {
            ByteIterable v = stores.meta().get(txn, new ArrayByteIterable(MetaKeys.user(name)));
            return v == null ? null : Stores.copy(v);
        });
    }

    /**
     * Applies one Raft entry: everything the body does, plus index/term (and leaderIndex when
     * >= 0), in ONE Xodus transaction. If body throws, nothing is committed and the exception
     * propagates. index must be > appliedIndex() (else IllegalStateException).
     */
    public <T> T apply(long index, long term, long leaderIndex, Function<EntryWriter, T> body) {
        return applyAll(List.of(new Entry<>(index, term, body)), leaderIndex).getFirst();
    }

    /** One Raft entry for {@link #applyAll}: its index and term, and what it writes. */
    public record Entry<T>(long index, long term, Function<EntryWriter, T> body) {
    }

    /**
     * Applies consecutive Raft entries in ONE Xodus transaction, which records the last one's
     * index and term as applied: a crash leaves the table before all of them or after all of them.
     * One commit for several entries is what lets the apply thread keep up under load. If a body
     * throws, nothing is committed and the exception propagates.
     */
    public <T> List<T> applyAll(List<Entry<T>> entries) {
        return applyAll(entries, -1);
    }

    private <T> List<T> applyAll(List<Entry<T>> entries, long leaderIndexOverride) {
        applyLock.lock();
        try {
            checkOpen();
            long expected = appliedIndex + 1;
            for (Entry<T> e : entries) {
                if (e.index() < expected) {
                    throw new IllegalStateException("table " + name() + ": entry " + e.index()
                            + " is at or below the applied index " + (expected - 1));
                }
                expected = e.index() + 1;
            }
            Transaction txn = stores.env().beginExclusiveTransaction();
            List<T> results = new ArrayList<>(entries.size());
            long newRevision = revision;
            long newCompacted = compactedRevision;
            long newLeaderIndex = this.leaderIndex;
            boolean leaderIndexMoved = false;
            try {
                for (Entry<T> e : entries) {
                    TableEntryWriter writer = new TableEntryWriter(stores, txn, e.index(), newRevision, newCompacted,
                            newLeaderIndex);
                    try {
                        results.add(e.body().apply(writer));
                    } finally {
                        writer.finish();
                    }
                    newRevision = writer.reachedRevision();
                    newCompacted = writer.compactedRevision();
                    if (writer.leaderIndexToPersist() >= 0) {
                        newLeaderIndex = writer.leaderIndexToPersist();
                        leaderIndexMoved = true;
                    }
                }
                if (leaderIndexOverride >= 0) {
                    newLeaderIndex = leaderIndexOverride;
                    leaderIndexMoved = true;
                }
                Entry<T> last = entries.getLast();
                if (newRevision != revision) {
                    stores.meta().put(txn, new ArrayByteIterable(MetaKeys.REVISION),
                            new ArrayByteIterable(MetaKeys.longValue(newRevision)));
                }
                stores.meta().put(txn, new ArrayByteIterable(MetaKeys.APPLIED),
                        new ArrayByteIterable(MetaKeys.appliedValue(last.index(), last.term())));
                if (leaderIndexMoved) {
                    stores.meta().put(txn, new ArrayByteIterable(MetaKeys.LEADER_INDEX),
                            new ArrayByteIterable(MetaKeys.longValue(newLeaderIndex)));
                }
                commit(txn, last.index());
                this.revision = newRevision;
                this.compactedRevision = newCompacted;
                this.leaderIndex = newLeaderIndex;
                this.appliedTerm = last.term();
                this.appliedIndex = last.index();
                return results;
            } finally {
                if (!txn.isFinished()) {
                    txn.abort();
                }
            }
        } finally {
            applyLock.unlock();
        }
    }

    /** The recorded revisions of entries {@code from..to} (inclusive), read in one view; null where none were. */
    public long[][] entryRevisions(long from, long to) {
        return read(txn -> {
            long[][] out = new long[(int) (to - from + 1)][];
            try (jetbrains.exodus.env.Cursor cursor = stores.revisions().openCursor(txn)) {
                ByteIterable found = cursor.getSearchKeyRange(new ArrayByteIterable(MetaKeys.longValue(from)));
                if (found == null) {
                    return out;
                }
                do {
                    long index = RevisionKey.readLong(cursor.getKey().getBytesUnsafe(), 0);
                    if (index > to) {
                        break;
                    }
                    out[(int) (index - from)] = EntryRevisions.decode(Stores.copy(cursor.getValue()));
                } while (cursor.getNext());
            }
            return out;
        });
    }

    /** Drops recorded revisions of entries below {@code index}: the Raft log no longer has them. */
    public void forgetRevisionsBelow(long index) {
        applyLock.lock();
        try {
            checkOpen();
            Transaction txn = stores.env().beginExclusiveTransaction();
            try {
                try (jetbrains.exodus.env.Cursor cursor = stores.revisions().openCursor(txn)) {
                    while (cursor.getNext() && RevisionKey.readLong(cursor.getKey().getBytesUnsafe(), 0) < index) {
                        cursor.deleteCurrent();
                    }
                }
                txn.commit();
            } finally {
                if (!txn.isFinished()) {
                    txn.abort();
                }
            }
        } finally {
            applyLock.unlock();
        }
    }

    /** Receives the versions of a snapshot export batch by batch. */
    public interface VersionSink {
        void accept(SnapshotPoint point, List<VersionRecord> batch) throws IOException;
    }

    /**
     * Streams every stored version (history and deletions included) of one consistent view in
     * key and revision order, in batches of about {@code batchBytes}; returns the view's point
     * and, through {@code count}, how many versions it sent.
     */
    public SnapshotPoint exportVersions(int batchBytes, VersionSink sink, java.util.concurrent.atomic.AtomicLong count)
            throws IOException {
        checkOpen();
        Transaction txn = stores.env().beginReadonlyTransaction();
        try {
            SnapshotPoint point = new SnapshotPoint(stores.applied(txn)[0], stores.metaLong(txn, MetaKeys.REVISION),
                    stores.metaLong(txn, MetaKeys.COMPACTED));
            ByteIterable staged = stores.meta().get(txn, new jetbrains.exodus.ArrayByteIterable(MetaKeys.STAGED));
            if (staged != null && SnapshotPoint.decode(Stores.copy(staged)).isRestore()) {
                // the log after this point holds the rest of the restore, whose first keys the export would lack
                throw new RestoreInProgressException("table " + name() + ": a restore is being staged; "
                        + "a snapshot can be taken once it is committed or aborted");
            }
            List<VersionRecord> batch = new ArrayList<>();
            int bytes = 0;
            try (jetbrains.exodus.env.Cursor cursor = stores.kv().openCursor(txn)) {
                while (cursor.getNext()) {
                    byte[] encoded = Stores.copy(cursor.getKey());
                    ByteIterable v = cursor.getValue();
                    StoredVersion sv = StoredVersion.decode(v.getBytesUnsafe(), v.getLength());
                    VersionRecord r = new VersionRecord(RevisionKey.userKey(encoded, encoded.length),
                            RevisionKey.revision(encoded, encoded.length), sv.createRevision(), sv.version(), sv.value());
                    batch.add(r);
                    count.incrementAndGet();
                    bytes += r.approximateSize();
                    if (bytes >= batchBytes) {
                        sink.accept(point, batch);
                        batch = new ArrayList<>();
                        bytes = 0;
                    }
                }
            }
            if (!batch.isEmpty()) {
                sink.accept(point, batch);
            }
            return point;
        } catch (ExodusException e) {
            throw new StoreException("table " + name() + ": snapshot export failed: " + e.getMessage(), e);
        } finally {
            txn.abort();
        }
    }

    private void commit(Transaction txn, long index) {
        boolean committed;
        try {
            committed = txn.commit();
        } catch (ExodusException e) {
            throw new StoreException("table " + name() + ": entry " + index + " failed to commit: " + e.getMessage(), e);
        }
        if (!committed) {
            // only possible if something else wrote the environment: every writer holds applyLock
            throw new StoreException("table " + name() + ": entry " + index + " lost a write conflict");
        }
    }

    /** The committed state; safe concurrently with apply. */
    public RangeResult range(RangeQuery q) {
        return read(txn -> StateReader.committed(stores, txn).range(q));
    }

    /** A read-only transaction evaluated on one consistent view. */
    public TxnResult readTxn(TxnRequest request) {
        if (!request.isReadOnly()) {
            throw new IllegalArgumentException("table " + name() + ": readTxn given a transaction that writes");
        }
        return read(txn -> {
            StateReader reader = StateReader.committed(stores, txn);
            boolean succeeded = reader.holds(request.compares());
            List<OpResult> results = new ArrayList<>();
            for (TxnOp op : succeeded ? request.success() : request.failure()) {
                results.add(reader.range(((TxnOp.Range) op).query()));
            }
            return new TxnResult(succeeded, results, reader.revision());
        });
    }

    /**
     * Streams a range in pages over one consistent view: each page holds at most
     * {@code q.maxBytes()} of encoded pairs (at least one key), {@code q.limit()} counts across
     * all pages, every page but the last has {@code more} set, and the last one has it set only
     * when the limit stopped the read before the range ended. An empty range gives one empty page.
     */
    public RangeIterator iterate(RangeQuery q) {
        checkOpen();
        Transaction txn = stores.env().beginReadonlyTransaction();
        try {
            StateReader reader = StateReader.committed(stores, txn);
            return new PagedRangeIterator(txn, reader, q, reader.readRevision(q.revision()));
        } catch (RuntimeException e) {
            txn.abort();
            throw e;
        }
    }

    /**
     * SHA-256 over the revision (8 bytes) and then, for every live key in key order: key length
     * (4), key, value length (4), value, create revision, mod revision and version (8 each).
     * History and compaction do not enter it: replicas that compacted differently still agree.
     */
    public ContentHash contentHash() {
        return read(txn -> {
            StateReader reader = StateReader.committed(stores, txn);
            MessageDigest sha = SnapshotWriter.sha256();
            byte[] buf = new byte[8];
            RevisionKey.writeLong(buf, 0, reader.revision());
            sha.update(buf);
            try (LiveKeys keys = reader.liveKeys(KeyRange.all(), reader.revision())) {
                while (keys.next()) {
                    byte[] key = keys.key();
                    byte[] value = keys.value();
                    updateInt(sha, key.length);
                    sha.update(key);
                    updateInt(sha, value.length);
                    sha.update(value);
                    for (long n : new long[] {keys.createRevision(), keys.modRevision(), keys.version()}) {
                        RevisionKey.writeLong(buf, 0, n);
                        sha.update(buf);
                    }
                }
            }
            return new ContentHash(reader.revision(), HexFormat.of().formatHex(sha.digest()));
        });
    }

    private static void updateInt(MessageDigest sha, int v) {
        sha.update(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    }

    /** Writes a consistent full copy (all history and meta) in {@link SnapshotFormat}; does not close {@code out}. */
    public SnapshotInfo exportSnapshot(OutputStream out) {
        return read(txn -> {
            try {
                return new SnapshotWriter(stores, txn).write(out);
            } catch (IOException e) {
                throw new StoreException("table " + name() + ": snapshot export failed: " + e.getMessage(), e);
            }
        });
    }

    /**
     * Builds a complete store in {@code emptyDir} from a snapshot stream, or throws
     * {@link StoreException} (truncated or corrupted input included) and leaves the directory
     * empty. The caller opens the store afterwards.
     */
    public static SnapshotInfo importSnapshot(Path emptyDir, InputStream in, StoreOptions options) {
        try {
            if (Files.exists(emptyDir)) {
                try (Stream<Path> entries = Files.list(emptyDir)) {
                    if (entries.findAny().isPresent()) {
                        throw new StoreException("table " + options.name() + ": snapshot target " + emptyDir + " is not empty");
                    }
                }
            }
            Files.createDirectories(emptyDir);
        } catch (IOException e) {
            throw new StoreException("table " + options.name() + ": cannot prepare " + emptyDir + ": " + e.getMessage(), e);
        }
        Stores stores = Stores.open(emptyDir, options);
        boolean ok = false;
        try {
            SnapshotInfo info = new SnapshotReader(options.name(), in).importInto(stores);
            ok = true;
            return info;
        } catch (IOException e) {
            throw new StoreException("table " + options.name() + ": snapshot import failed: " + e.getMessage(), e);
        } catch (ExodusException e) {
            throw new StoreException("table " + options.name() + ": snapshot import failed: " + e.getMessage(), e);
        } finally {
            stores.env().close();
            if (!ok) {
                deleteContents(emptyDir);
            }
        }
    }

    private static void deleteContents(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException ignored) {
            // the import already failed; a leftover file makes the next import refuse the directory
        }
    }

    private <T> T read(Function<Transaction, T> body) {
        checkOpen();
        try {
            Transaction txn = stores.env().beginReadonlyTransaction();
            try {
                return body.apply(txn);
            } finally {
                txn.abort();
            }
        } catch (ExodusException e) {
            throw new StoreException("table " + name() + ": read failed: " + e.getMessage(), e);
        }
    }

    /**
     * Forces every committed entry to disk. Commits without durable writes already survive a
     * process kill; this makes them survive a power loss too, before the Raft log that could
     * replay them is purged.
     */
    public void sync() {
        applyLock.lock();
        try {
            checkOpen();
            if (stores.env() instanceof jetbrains.exodus.env.EnvironmentImpl impl) {
                impl.flushAndSync();
            } else {
                throw new StoreException("table " + name() + ": cannot sync a " + stores.env().getClass().getName());
            }
        } finally {
            applyLock.unlock();
        }
    }

    /**
     * Forces to disk the newest log file of a store without durable writes once at least
     * {@code minBytes} were written to the log since the last such sync; returns the bytes it
     * covered, 0 if it did nothing. Xodus forces a log file itself, inside a commit, when the file
     * fills: with megabytes unsynced that commit, and every Raft entry queued behind it, waits for
     * the disk. Syncing a little at a time from another thread leaves that sync almost nothing
     * to write. Takes no lock an apply takes.
     */
    public long syncWrittenLog(long minBytes) {
        if (options.durableWrites() || minBytes <= 0) {
            return 0; // a durable store forces every commit itself
        }
        synchronized (syncLock) {
            if (closed || !(stores.env() instanceof jetbrains.exodus.env.EnvironmentImpl impl)) {
                return 0;
            }
            jetbrains.exodus.log.Log log = impl.getLog();
            long high = log.getHighAddress();
            long unsynced = high - syncedHighAddress;
            if (unsynced < minBytes) {
                return 0;
            }
            long fileAddress = log.getFileAddress(high);
            try {
                if (fileAddress != syncFileAddress) {
                    closeSyncChannel();
                    syncChannel = FileChannel.open(dir.resolve(jetbrains.exodus.log.LogUtil.getLogFilename(fileAddress)),
                            StandardOpenOption.READ);
                    syncFileAddress = fileAddress;
                }
                syncChannel.force(false);
            } catch (NoSuchFileException e) {
                return 0; // the file that fills next is not created yet; Xodus forced the full one
            } catch (IOException e) {
                closeSyncChannel();
                throw new StoreException("table " + name() + ": background sync of the log file at address "
                        + fileAddress + " failed: " + e.getMessage(), e);
            }
            syncedHighAddress = high;
            return unsynced;
        }
    }

    /** The log address up to which the background sync last forced the store; 0 before the first. */
    public long backgroundSyncedAddress() {
        synchronized (syncLock) {
            return syncedHighAddress;
        }
    }

    /** The file the background sync forces now, null while it has none open. */
    Path backgroundSyncFile() {
        synchronized (syncLock) {
            return syncChannel == null ? null : dir.resolve(jetbrains.exodus.log.LogUtil.getLogFilename(syncFileAddress));
        }
    }

    private void closeSyncChannel() {
        if (syncChannel != null) {
            try {
                syncChannel.close();
            } catch (IOException ignored) {
                // read-only: nothing of ours is lost
            }
            syncChannel = null;
            syncFileAddress = -1;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException("table " + name() + ": store is closed");
        }
    }

    @Override
    public void close() {
        applyLock.lock();
        try {
            if (!closed) {
                synchronized (syncLock) {
                    closed = true;
                    closeSyncChannel();
                }
                stores.env().close();
            }
        } finally {
            applyLock.unlock();
        }
    }
}
