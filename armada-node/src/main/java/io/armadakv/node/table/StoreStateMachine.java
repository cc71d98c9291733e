package io.armadakv.node.table;

import io.armadakv.node.storage.EntryWriter;
import io.armadakv.node.storage.StoreOptions;
import io.armadakv.node.storage.TableStore;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A Ratis state machine whose state is a {@link TableStore} on disk. The store persists the
 * applied index with every entry, so a restart resumes after it and a "snapshot" is the store
 * itself: Ratis may purge its log up to the store's applied index.
 */
abstract class StoreStateMachine extends BaseStateMachine {

    private static final Logger LOG = Logger.getLogger(StoreStateMachine.class.getName());

    private final Path dir;
    private final StoreOptions options;
    private volatile TableStore store;
    private volatile Throwable failure;
    private final java.util.concurrent.atomic.AtomicLong skippedEntries = new java.util.concurrent.atomic.AtomicLong();

    /** Fetches the leader's snapshot of this group into a file. */
    interface SnapshotFetcher {
        void fetch(RaftPeerId leader, RaftGroupId group, Path target) throws IOException;
    }

    private final SnapshotFetcher fetcher;
    private final long observedId;
    private final TableObserver observer;

    StoreStateMachine(Path dir, StoreOptions options, SnapshotFetcher fetcher) {
        this(dir, options, fetcher, 0, TableObserver.NONE);
    }

    /** @param observedId the id the observer knows this group's table by */
    StoreStateMachine(Path dir, StoreOptions options, SnapshotFetcher fetcher, long observedId,
                      TableObserver observer) {
        this.dir = dir;
        this.options = options;
        this.fetcher = fetcher;
        this.observedId = observedId;
        this.observer = observer;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, storage);
            java.util.function.Consumer<String> hook = initializeHook;
            if (hook != null) {
                hook.accept(options.name());
            }
            recoverInterruptedInstall();
            store = TableStore.open(dir, options);
            if (store.appliedIndex() > 0) {
                setLastAppliedTermIndex(TermIndex.valueOf(store.appliedTerm(), store.appliedIndex()));
            }
        }, IOException.class);
    }

    /** Tests hold a store's opening here, by table name, to keep its group starting for a while. */
    static volatile java.util.function.Consumer<String> initializeHook;

    TableStore store() {
        TableStore s = store;
        if (s == null) {
            throw new TableUnavailableException("table " + options.name() + " is not open yet", null);
        }
        return s;
    }

    Path dir() {
        return dir;
    }

    /** {@link TableStore#syncWrittenLog} on the open store; 0 while none is open. */
    long syncWrittenLog(long minBytes) {
        TableStore s = store;
        return s == null ? 0 : s.syncWrittenLog(minBytes);
    }

    /** Entries Ratis handed us that the store had already applied (0 when restarts resume correctly). */
    long skippedEntries() {
        return skippedEntries.get();
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        TableStore s = store;
        if (s == null || s.appliedIndex() == 0) {
            return null;
        }
        return new StoreSnapshot(TermIndex.valueOf(s.appliedTerm(), s.appliedIndex()));
    }

    /** Ratis purges its log up to the index returned: everything up to it must be on disk first. */
    @Override
    public long takeSnapshot() {
        TableStore s = store;
        if (s == null) {
            return -1;
        }
        long index = s.appliedIndex();
        s.sync();
        return index;
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        // Only used as the end of a ReadIndex round: the caller then reads the store itself.
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    /**
     * A committed entry waiting for the apply thread; with no data, a Ratis entry of its own
     * (configuration, no-op) that only moves the applied index, in its place in the order.
     */
    private record Committed(long index, long term, ByteString data, CompletableFuture<Message> result) {
        boolean indexOnly() {
            return data == null;
        }
    }

    /** Most entries one store transaction takes: bounds the reply delay of the first of them. */
    private static final int MAX_ENTRIES_PER_COMMIT = 64;

    private final java.util.concurrent.ConcurrentLinkedQueue<Committed> committed =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Ratis hands over committed entries one at a time on its updater thread; they are applied on
     * an apply thread of their own instead, so that the entries which pile up while one store
     * commit runs go into the next commit together. Ratis answers the client and advances the
     * applied index (and so ReadIndex reads) only when the returned future completes, which is
     * after the commit that holds the entry.
     */
    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        return enqueue(entry.getIndex(), entry.getTerm(), entry.getStateMachineLogEntry().getLogData());
    }

    /**
     * Ratis' updater calls this for the entries that are not ours and counts them applied as it
     * returns, with no future to wait for: so it waits here until the apply thread has applied
     * every entry before it, or a ReadIndex read could be let through ahead of them.
     */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        enqueue(index, term, null).join();
    }

    private CompletableFuture<Message> enqueue(long index, long term, ByteString data) {
        CompletableFuture<Message> result = new CompletableFuture<>();
        committed.add(new Committed(index, term, data, result));
        if (draining.compareAndSet(false, true)) {
            APPLIERS.execute(this::drain);
        }
        return result;
    }

    private void drain() {
        while (true) {
            List<Committed> batch = new java.util.ArrayList<>();
            Committed c;
            Committed indexOnly = null;
            while (batch.size() < MAX_ENTRIES_PER_COMMIT && (c = committed.poll()) != null) {
                if (c.indexOnly()) {
                    indexOnly = c;
                    break;
                }
                batch.add(c);
            }
            if (!batch.isEmpty()) {
                try {
                    applyBatch(batch);
                } catch (RuntimeException | Error e) {
                    stopApplying(batch.getFirst().index(), e);
                    batch.forEach(b -> b.result().completeExceptionally(e));
                }
            }
            if (indexOnly != null) {
                if (failure == null) {
                    advanceApplied(indexOnly.term(), indexOnly.index());
                }
                indexOnly.result().complete(Message.EMPTY);
            }
            if (!batch.isEmpty() || indexOnly != null) {
                continue;
            }
            draining.set(false);
            // an entry added after the last poll and before the flag was cleared found it still set
            if (committed.isEmpty() || !draining.compareAndSet(false, true)) {
                return;
            }
        }
    }

    /** Ratis refuses an applied index that moves backwards; a replayed entry must not try. */
    private void advanceApplied(long term, long index) {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || index > last.getIndex()) {
            updateLastAppliedTermIndex(term, index);
        }
    }

    private void stopApplying(long index, Throwable e) {
        if (failure == null) {
            failure = e;
            observer.applyFailed(observedId);
            LOG.log(Level.SEVERE, "table " + options.name() + ": applying entry " + index
                    + " failed; the table stops applying", e);
        }
    }

    private void applyBatch(List<Committed> batch) {
        TableStore s;
        try {
            s = store();
        } catch (RuntimeException e) {
            batch.forEach(c -> c.result().completeExceptionally(e));
            return;
        }
        List<Committed> fresh = new java.util.ArrayList<>(batch.size());
        for (Committed c : batch) {
            if (failure != null) {
                c.result().completeExceptionally(failure);
            } else if (c.index() <= s.appliedIndex()) {
                // the store already has it: Ratis replayed an entry from before our persisted applied index
                skippedEntries.incrementAndGet();
                advanceApplied(c.term(), c.index());
                c.result().complete(Message.EMPTY);
            } else {
                fresh.add(c);
            }
        }
        if (fresh.size() > 1 && commitsEntriesTogether()) {
            try {
                commit(s, fresh);
                return;
            } catch (RuntimeException e) {
                // nothing was committed: one entry at a time, so a refused command consumes its index alone
            }
        }
        fresh.forEach(c -> applyOne(s, c));
    }

    /** Applies the entries in one store commit, then tells the observer, Ratis and the waiting clients. */
    private void commit(TableStore s, List<Committed> group) {
        long started = System.nanoTime();
        List<ByteString> results = s.applyAll(group.stream().map(c -> new TableStore.Entry<>(c.index(), c.term(),
                w -> applyEntry(w, c.index(), c.data()))).toList());
        long perEntry = (System.nanoTime() - started) / group.size();
        group.forEach(c -> observer.entryApplied(observedId, perEntry));
        afterApply();
        Committed last = group.getLast();
        advanceApplied(last.term(), last.index());
        for (int i = 0; i < group.size(); i++) {
            group.get(i).result().complete(Message.valueOf(results.get(i)));
        }
    }

    private void applyOne(TableStore s, Committed c) {
        if (failure != null) {
            c.result().completeExceptionally(failure);
            return;
        }
        try {
            commit(s, List.of(c));
        } catch (InvalidCommandException e) {
            // every node refuses the same command: consume its index so the log can move on
            s.apply(c.index(), c.term(), -1, w -> {
                onRefused(w);
                return null;
            });
            advanceApplied(c.term(), c.index());
            c.result().completeExceptionally(e);
        } catch (RuntimeException e) {
            stopApplying(c.index(), e);
            c.result().completeExceptionally(e);
        }
    }

    private static final java.util.concurrent.ExecutorService APPLIERS = java.util.concurrent.Executors
            .newCachedThreadPool(r -> {
                Thread t = new Thread(r, "armada-apply");
                t.setDaemon(true);
                return t;
            });

    /**
     * Whether several entries may share one store commit: only when each entry reads what the
     * earlier ones wrote through its writer, never through the committed store.
     */
    boolean commitsEntriesTogether() {
        return true;
    }

    /** Applies one entry's payload inside the store transaction and returns the reply payload. */
    abstract ByteString applyEntry(EntryWriter writer, long index, ByteString data);

    /** Called inside the empty entry that consumes the index of a command every node refused. */
    void onRefused(EntryWriter writer) {
    }

    /** Called on the apply thread after an entry committed. */
    void afterApply() {
    }

    /**
     * A follower whose log the leader has purged gets the leader's store instead: fetched into a
     * file, imported into a new directory, then swapped in whole, so readers see the old table
     * or the new one, never a mix.
     */
    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(RoleInfoProto roleInfo, TermIndex firstTermIndexInLog) {
        RaftPeerId leader = RaftPeerId.valueOf(roleInfo.getFollowerInfo().getLeaderInfo().getId().getId());
        return CompletableFuture.supplyAsync(() -> {
            try {
                return install(leader);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "table " + options.name() + ": installing a snapshot from node " + leader
                        + " failed; Ratis asks again", e);
                throw new java.io.UncheckedIOException(e);
            }
        }, INSTALLS);
    }

    /** Tests hold installs here, after the fetch and before the import, to restart a node mid-install. */
    static volatile java.util.concurrent.CountDownLatch installGate;

    private TermIndex install(RaftPeerId leader) throws IOException {
        Path file = sibling(".snapshot");
        Path incoming = sibling(".incoming");
        deleteRecursively(incoming);
        Files.deleteIfExists(file);
        long started = System.nanoTime();
        try {
            fetcher.fetch(leader, getGroupId(), file);
            long bytes = Files.size(file);
            java.util.concurrent.CountDownLatch gate = installGate;
            if (gate != null) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            if (closed) {
                throw new IOException("table " + options.name() + " closed during the snapshot install");
            }
            io.armadakv.node.storage.SnapshotInfo info;
            try (java.io.InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                info = TableStore.importSnapshot(incoming, in, options);
            }
            swapIn(incoming);
            afterApply();
            TermIndex installed = TermIndex.valueOf(info.appliedTerm(), info.appliedIndex());
            setLastAppliedTermIndex(installed);
            observer.snapshotInstalled(observedId, bytes, System.nanoTime() - started);
            LOG.info("table " + options.name() + ": installed a snapshot from node " + leader + " at index "
                    + info.appliedIndex() + " (revision " + info.revision() + ")");
            return installed;
        } finally {
            Files.deleteIfExists(file);
            deleteRecursively(incoming);
        }
    }

    /** Replaces the store directory with {@code incoming}; a crash part-way is undone at the next start. */
    private synchronized void swapIn(Path incoming) throws IOException {
        if (closed) {
            throw new IOException("table " + options.name() + " closed during the snapshot install");
        }
        Path old = sibling(".old");
        deleteRecursively(old);
        TableStore previous = store;
        store = null;
        if (previous != null) {
            previous.close();
        }
        Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(incoming, dir, StandardCopyOption.ATOMIC_MOVE);
        store = TableStore.open(dir, options);
        deleteRecursively(old);
    }

    private void recoverInterruptedInstall() throws IOException {
        Path old = sibling(".old");
        if (Files.exists(old)) {
            if (Files.exists(dir)) {
                deleteRecursively(old); // the swap finished
            } else {
                Files.move(old, dir, StandardCopyOption.ATOMIC_MOVE); // it did not: keep the old store
            }
        }
        deleteRecursively(sibling(".incoming"));
        Files.deleteIfExists(sibling(".snapshot"));
    }

    /** Ratis pauses the state machine before it reloads it from an installed snapshot. */
    @Override
    public synchronized void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /** The installed store is already open; continue from its applied index. */
    @Override
    public synchronized void reinitialize() throws IOException {
        TableStore s = store;
        if (s != null && s.appliedIndex() > 0) {
            setLastAppliedTermIndex(TermIndex.valueOf(s.appliedTerm(), s.appliedIndex()));
        }
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    private Path sibling(String suffix) {
        return dir.resolveSibling(dir.getFileName() + suffix);
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(p)) {
            for (Path x : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    private static final java.util.concurrent.ExecutorService INSTALLS = java.util.concurrent.Executors
            .newCachedThreadPool(r -> {
                Thread t = new Thread(r, "armada-snapshot-install");
                t.setDaemon(true);
                return t;
            });

    private volatile boolean closed;

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        TableStore s = store;
        store = null;
        if (s != null) {
            s.close();
        }
        super.close();
    }

    /** The store's applied index, presented to Ratis as a snapshot with no files of its own. */
    private record StoreSnapshot(TermIndex termIndex) implements SnapshotInfo {
        @Override
        public TermIndex getTermIndex() {
            return termIndex;
        }

        @Override
        public List<FileInfo> getFiles() {
            return List.of();
        }
    }
}
