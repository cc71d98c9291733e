package io.armadakv.node.table;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import io.armadakv.node.config.NodeConfig;
import io.armadakv.node.raft.GroupIds;
import io.armadakv.node.raft.RaftNode;
import io.armadakv.node.storage.StoreOptions;
import io.armadakv.proto.internal.CatalogCommand;
import io.armadakv.proto.internal.CatalogResult;
import io.armadakv.proto.internal.CreateTable;
import io.armadakv.proto.internal.DeleteTable;
import io.armadakv.proto.internal.MemberInfo;
import io.armadakv.proto.internal.RelayRequest;
import io.armadakv.proto.internal.RelayResponse;
import io.armadakv.proto.internal.TableDescriptor;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The tables of this node. The catalog group decides which tables exist; this class makes the
 * node host exactly those: it starts a Raft group and store for every table in the catalog and
 * removes groups and data of tables the catalog no longer has.
 */
public final class TableManager implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TableManager.class.getName());

    private final NodeConfig config;
    private final CatalogStateMachine catalog;
    private final Map<RaftGroupId, TableStateMachine> stateMachines = new ConcurrentHashMap<>();
    private final Map<RaftGroupId, RevisionWaiters> waiters = new ConcurrentHashMap<>();
    private final Map<String, Table> tables = new ConcurrentHashMap<>();
    private final ScheduledExecutorService reconciler = scheduler("armada-table-reconciler");
    /** Runs compactions, which take many steps on a large table, apart from reconciliation. */
    private final ScheduledExecutorService compactor = scheduler("armada-compactor");
    /** Forces the stores' newest log files now and then; it waits on the disk, so it has a thread of its own. */
    private final ScheduledExecutorService storeSync = scheduler("armada-store-sync");
    private final java.util.concurrent.ExecutorService replies = Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
                Thread t = new Thread(r, "armada-replies");
                t.setDaemon(true);
                return t;
            });
    private volatile RaftNode raft;
    private final TableObserver observer;

    public TableManager(NodeConfig config) {
        this(config, TableObserver.NONE);
    }

    public TableManager(NodeConfig config, TableObserver observer) {
        this.config = config;
        this.observer = observer;
        this.catalog = new CatalogStateMachine(config.stateMachineDir().resolve("catalog"),
                new StoreOptions("catalog", config.durableWrites(), config.storeCacheBytes()),
                this::scheduleReconcile, this::fetchSnapshot);
    }

    public void start() throws IOException {
        Files.createDirectories(config.stateMachineDir());
        Files.createDirectories(config.nodeHostDir());
        raft = RaftNode.start(config, this::stateMachineFor, this::exportSnapshot, this::receiveRelay);
        try {
            if (!raft.awaitLeader(GroupIds.CATALOG, 10_000)) {
                LOG.warning("the catalog group has no leader yet; tables appear once a majority of "
                        + config.initialMembers().size() + " members is up");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reconcile();
        reconciler.scheduleWithFixedDelay(this::reconcileQuietly, 2, 2, TimeUnit.SECONDS);
        if (!config.durableWrites() && config.backgroundSyncBytes() > 0) {
            storeSync.scheduleWithFixedDelay(this::syncWrittenLogs, STORE_SYNC_POLL_MS, STORE_SYNC_POLL_MS,
                    TimeUnit.MILLISECONDS);
        }
        if (!config.follower()) {
            // a follower compacts when the leader's GC commands reach it, at the same revisions
            compactor.scheduleWithFixedDelay(this::compactDueTables, config.compactionIntervalMs(),
                    config.compactionIntervalMs(), TimeUnit.MILLISECONDS);
            reconciler.scheduleWithFixedDelay(this::forgetPurgedRevisions, 30, 30, TimeUnit.SECONDS);
        }
    }

    public RaftNode raft() {
        return raft;
    }

    public NodeConfig config() {
        return config;
    }

    private StateMachine stateMachineFor(RaftGroupId groupId) {
        if (groupId.equals(GroupIds.CATALOG)) {
            return catalog;
        }
        OptionalLong tableId = GroupIds.tableId(groupId);
        if (tableId.isEmpty()) {
            throw new IllegalArgumentException("Raft group " + groupId + " is not an Armada group");
        }
        return stateMachines.computeIfAbsent(groupId, gid -> {
            RevisionWaiters w = waitersFor(gid);
            return new TableStateMachine(tableId.getAsLong(), tableDir(tableId.getAsLong()),
                    new StoreOptions(tableLabel(tableId.getAsLong()), config.durableWrites(), config.storeCacheBytes()), this::fetchSnapshot,
                    config.follower(), w::advanced, observer);
        });
    }

    private RevisionWaiters waitersFor(RaftGroupId gid) {
        return waiters.computeIfAbsent(gid, g -> new RevisionWaiters(() -> {
            TableStateMachine sm = stateMachines.get(g);
            if (sm == null) {
                throw new IllegalStateException("group " + g + " has no state machine");
            }
            return sm.store().revision();
        }));
    }

    private void fetchSnapshot(org.apache.ratis.protocol.RaftPeerId leader, RaftGroupId group, Path target)
            throws IOException {
        RaftNode r = raft;
        if (r == null) {
            throw new IOException("the Raft server is not running");
        }
        r.fetchSnapshot(leader, group, target);
    }

    private void exportSnapshot(RaftGroupId group, java.io.OutputStream out) throws IOException {
        StoreStateMachine sm = group.equals(GroupIds.CATALOG) ? catalog : stateMachines.get(group);
        if (sm == null) {
            throw new IOException("group " + group + " is not hosted on this node");
        }
        sm.store().exportSnapshot(out);
    }

    private String tableLabel(long id) {
        try {
            for (TableDescriptor d : catalog.tables()) {
                if (d.getId() == id) {
                    return d.getName();
                }
            }
        } catch (RuntimeException e) {
            // catalog not open yet while Ratis recovers groups; the id alone names the table
        }
        return "#" + id;
    }

    private Path tableDir(long id) {
        return config.stateMachineDir().resolve(Long.toString(id));
    }

    /** The table of this name, or {@link TableNotFoundException}. */
    public Table table(String name) {
        Table t = tables.get(name);
        if (t == null) {
            throw new TableNotFoundException(name);
        }
        return t;
    }

    public Optional<Table> find(String name) {
        return Optional.ofNullable(tables.get(name));
    }

    /** The tables this node hosts, by name. */
    public List<Table> tables() {
        List<Table> list = new ArrayList<>(tables.values());
        list.sort(Comparator.comparing(Table::name));
        return list;
    }

    public List<TableDescriptor> catalogTables() {
        List<TableDescriptor> list = new ArrayList<>(catalog.tables());
        list.sort(Comparator.comparing(TableDescriptor::getName));
        return list;
    }

    /** What the cluster's catalog knows of its members, by node id. */
    public Map<Long, MemberInfo> members() {
        Map<Long, MemberInfo> out = new java.util.TreeMap<>();
        for (MemberInfo m : catalog.members()) {
            out.put(m.getNodeId(), m);
        }
        return out;
    }

    /** Records this node's identity and client URL in the catalog, unless it is there already. */
    public CompletableFuture<Void> register(MemberInfo self) {
        if (self.equals(members().get(self.getNodeId()))) {
            return CompletableFuture.completedFuture(null);
        }
        return proposeCatalog(CatalogCommand.newBuilder().setRegisterMember(self).build()).thenApply(r -> null);
    }

    /** Registers this node, retrying in the background until the catalog has taken it. */
    public void registerUntilDone(MemberInfo self) {
        register(self).whenComplete((ok, error) -> {
            if (error != null && !reconciler.isShutdown()) {
                LOG.fine("registering this node in the catalog failed, retrying: " + error);
                reconciler.schedule(() -> registerUntilDone(self), 2, TimeUnit.SECONDS);
            }
        });
    }

    /** Creates a table; completes once this node hosts it and its group has a leader. */
    public CompletableFuture<TableDescriptor> create(String name, Struct tableConfig) {
        return create(name, tableConfig, 0);
    }

    /** @param leaderId on a follower cluster, the leader cluster's shard id of the table copied */
    public CompletableFuture<TableDescriptor> create(String name, Struct tableConfig, long leaderId) {
        CatalogCommand command = CatalogCommand.newBuilder()
                .setCreateTable(CreateTable.newBuilder().setName(name).setConfig(tableConfig).setLeaderId(leaderId))
                .build();
        return proposeCatalog(command).thenCompose(result -> switch (result.getOutcome()) {
            case OK -> awaitHosted(result.getTable(), System.nanoTime() + TimeUnit.SECONDS.toNanos(30))
                    .thenApply(t -> result.getTable());
            case ALREADY_EXISTS -> CompletableFuture.failedFuture(new TableExistsException(name));
            default -> CompletableFuture.failedFuture(new IllegalStateException("table " + name
                    + ": unexpected catalog outcome " + result.getOutcome()));
        });
    }

    /** Deletes a table: its group and data go on every node. */
    public CompletableFuture<TableDescriptor> delete(String name) {
        CatalogCommand command = CatalogCommand.newBuilder()
                .setDeleteTable(DeleteTable.newBuilder().setName(name)).build();
        return proposeCatalog(command).thenCompose(result -> switch (result.getOutcome()) {
            case OK -> awaitUnhosted(result.getTable(), System.nanoTime() + TimeUnit.SECONDS.toNanos(30))
                    .thenApply(ignored -> result.getTable());
            case NOT_FOUND -> CompletableFuture.failedFuture(new TableNotFoundException(name));
            default -> CompletableFuture.failedFuture(new IllegalStateException("table " + name
                    + ": unexpected catalog outcome " + result.getOutcome()));
        });
    }

    /**
     * Claims {@code table} for a replicator for {@code ttlMs}; completes with the lease as it
     * stands afterwards (held by someone else when not granted, absent when free).
     */
    public CompletableFuture<Optional<io.armadakv.proto.internal.Lease>> lease(String table, String holder, long ttlMs,
                                                                              boolean release) {
        io.armadakv.proto.internal.Lease request = io.armadakv.proto.internal.Lease.newBuilder()
                .setTable(table).setHolder(holder).setNowMs(System.currentTimeMillis()).setTtlMs(ttlMs)
                .setRelease(release).build();
        return proposeCatalog(CatalogCommand.newBuilder().setLease(request).build())
                .thenApply(r -> r.hasLease() ? Optional.of(r.getLease()) : Optional.empty());
    }

    private CompletableFuture<CatalogResult> proposeCatalog(CatalogCommand command) {
        return raft.propose(GroupIds.CATALOG, UnsafeByteOperations.unsafeWrap(command.toByteArray()))
                .thenApply(reply -> parse(reply));
    }

    private static CatalogResult parse(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            throw RaftErrors.map("catalog", reply.getException());
        }
        try {
            return CatalogResult.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("catalog reply is unreadable", e);
        }
    }

    private CompletableFuture<Table> awaitHosted(TableDescriptor d, long deadlineNanos) {
        CompletableFuture<Table> done = new CompletableFuture<>();
        pollHosted(d, deadlineNanos, done);
        return done;
    }

    private void pollHosted(TableDescriptor d, long deadlineNanos, CompletableFuture<Table> done) {
        Table t = tables.get(d.getName());
        if (t != null && t.id() == d.getId() && t.state().leaderId() != 0) {
            done.complete(t);
            return;
        }
        if (System.nanoTime() > deadlineNanos) {
            done.completeExceptionally(new TableUnavailableException("table " + d.getName()
                    + " was created but has no Raft leader yet", null));
            return;
        }
        if (t == null) {
            scheduleReconcile();
        }
        reconciler.schedule(() -> pollHosted(d, deadlineNanos, done), 10, TimeUnit.MILLISECONDS);
    }

    /** The revisions of entries the Raft log no longer holds are never served again. */
    private void forgetPurgedRevisions() {
        for (Table t : tables.values()) {
            try {
                long start = t.logStartIndex();
                if (start > 0) {
                    t.store().forgetRevisionsBelow(start);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "table " + t.name() + ": dropping old entry revisions failed", e);
            }
        }
    }

    private static ScheduledExecutorService scheduler(String threadName) {
        return Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name(threadName).daemon().factory());
    }

    /** How often the stores' written bytes are checked against storage.background-sync-bytes. */
    private static final long STORE_SYNC_POLL_MS = 20;

    private void syncWrittenLogs() {
        syncWrittenLog(catalog);
        stateMachines.values().forEach(this::syncWrittenLog);
    }

    /** When a failed background sync was last logged: a failing disk would otherwise log one every poll. */
    private long syncFailureLoggedNanos = System.nanoTime() - TimeUnit.MINUTES.toNanos(1);

    private void syncWrittenLog(StoreStateMachine sm) {
        try {
            sm.syncWrittenLog(config.backgroundSyncBytes());
        } catch (RuntimeException e) {
            // the store forces its files itself when they fill; a failed early sync only loses the head start
            long now = System.nanoTime();
            if (now - syncFailureLoggedNanos >= TimeUnit.MINUTES.toNanos(1)) {
                syncFailureLoggedNanos = now;
                LOG.log(Level.WARNING, e.getMessage() + " (logged at most once a minute)");
            }
        }
    }

    private void compactDueTables() {
        for (Table t : tables.values()) {
            try {
                // steps of a large table take a while; the fixed delay keeps two runs from overlapping
                long started = System.nanoTime();
                int steps = t.compactIfDue(config.compactionRetention()).get(1, TimeUnit.HOURS);
                if (steps > 0) {
                    LOG.info(() -> String.format("table %s: compacted to revision %d in %d steps, %.1f s", t.name(),
                            t.store().compactedRevision(), steps, (System.nanoTime() - started) / 1e9));
                }
            } catch (Exception e) {
                LOG.log(Level.WARNING, "table " + t.name() + ": compaction failed; retrying at the next interval", e);
            }
        }
    }

    /** Completes once this node no longer serves the deleted table (other nodes follow on their own). */
    private CompletableFuture<Void> awaitUnhosted(TableDescriptor d, long deadlineNanos) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pollUnhosted(d, deadlineNanos, done);
        return done;
    }

    private void pollUnhosted(TableDescriptor d, long deadlineNanos, CompletableFuture<Void> done) {
        Table t = tables.get(d.getName());
        if (t == null || t.id() != d.getId() || System.nanoTime() > deadlineNanos) {
            done.complete(null); // deleted in the catalog either way; the reconciler finishes the local part
            return;
        }
        scheduleReconcile();
        reconciler.schedule(() -> pollUnhosted(d, deadlineNanos, done), 10, TimeUnit.MILLISECONDS);
    }

    private void scheduleReconcile() {
        if (!reconciler.isShutdown()) {
            reconciler.execute(this::reconcileQuietly);
        }
    }

    private void reconcileQuietly() {
        try {
            reconcile();
        } catch (RuntimeException | IOException e) {
            LOG.log(Level.WARNING, "reconciling tables with the catalog failed; retrying", e);
        }
    }

    /**
     * Writes a node that does not lead a table's group relayed here ({@link WriteRouter}): queued
     * with this node's own when it leads the group, else handed back untouched.
     */
    private CompletableFuture<byte[]> receiveRelay(byte[] bytes) {
        RelayRequest request;
        try {
            request = RelayRequest.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("undecodable relay request: "
                    + e.getMessage(), e));
        }
        Table table = tables.values().stream().filter(t -> t.id() == request.getTableId()).findFirst().orElse(null);
        if (table == null || raft == null || !raft.leads(table.groupId())) {
            return CompletableFuture.completedFuture(RelayResponse.newBuilder().setNotLeader(true).build().toByteArray());
        }
        return table.acceptRelayed(request.getCommandsList()).thenApply(outcomes -> {
            RelayResponse.Builder response = RelayResponse.newBuilder();
            outcomes.forEach(o -> response.addOutcomes(RelayOutcomes.encode(o)));
            return response.build().toByteArray();
        });
    }

    private ProposalBatcher.Admission admission() {
        return new ProposalBatcher.Admission(config.apiLimits().maxPendingWrites(),
                config.apiLimits().maxPendingWriteBytes(), io.armadakv.node.config.ConfigKeys.MAX_PENDING_WRITES.name(),
                io.armadakv.node.config.ConfigKeys.MAX_PENDING_WRITE_BYTES.name());
    }

    /** Makes the hosted tables match the catalog. */
    synchronized void reconcile() throws IOException {
        if (raft == null) {
            return;
        }
        for (RaftGroupId gid : raft.server().getGroupIds()) {
            if (raft.rescueIfWiped(gid)) {
                LOG.warning("group " + gid + " has a leader but this node's log is empty (lost data?); "
                        + "moved leadership so that a new leader sends a snapshot");
            }
        }
        List<TableDescriptor> wanted = catalog.tables();
        Set<Long> wantedIds = new HashSet<>();
        for (TableDescriptor d : wanted) {
            wantedIds.add(d.getId());
            Table existing = tables.get(d.getName());
            if (existing != null && existing.id() == d.getId()) {
                continue;
            }
            RaftGroupId gid = GroupIds.forTable(d.getId());
            raft.addGroup(gid);
            TableStateMachine sm = (TableStateMachine) stateMachineFor(gid);
            Table hosted = new Table(d.getName(), d.getId(), d.getLeaderId(), raft, sm, waitersFor(gid),
                    config.maxBatchBytes(), config.maxInFlightProposals(), config.maxRelaysInFlight(), replies,
                    observer, admission(), TimeUnit.MILLISECONDS.toNanos(config.proposalHoldMs()));
            if (existing != null) {
                observer.tableRemoved(existing); // a table of the same name was deleted and created again
            }
            tables.put(d.getName(), hosted);
            observer.tableHosted(hosted);
            if (existing == null) {
                LOG.info("table " + d.getName() + " (id " + d.getId() + ") is hosted on this node");
            }
        }
        long nextId = catalog.nextTableId();
        tables.values().removeIf(t -> {
            if (wantedIds.contains(t.id())) {
                return false;
            }
            observer.tableRemoved(t);
            return true;
        });
        Map<RaftGroupId, Long> stale = new HashMap<>();
        for (RaftGroupId gid : raft.server().getGroupIds()) {
            OptionalLong id = GroupIds.tableId(gid);
            // an id at or past the catalog's counter belongs to a table this node's catalog has not seen yet
            if (id.isPresent() && !wantedIds.contains(id.getAsLong()) && id.getAsLong() < nextId) {
                stale.put(gid, id.getAsLong());
            }
        }
        for (Map.Entry<RaftGroupId, Long> e : stale.entrySet()) {
            raft.removeGroup(e.getKey());
            stateMachines.remove(e.getKey());
            waiters.remove(e.getKey());
            deleteRecursively(tableDir(e.getValue()));
            LOG.info("table with id " + e.getValue() + " was deleted; its group and data are removed from this node");
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void close() {
        reconciler.shutdownNow();
        compactor.shutdownNow();
        storeSync.shutdownNow();
        replies.shutdown();
        RaftNode r = raft;
        if (r != null) {
            r.close();
        }
    }
}
