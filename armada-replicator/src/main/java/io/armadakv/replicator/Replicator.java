package io.armadakv.replicator;

import io.armadakv.proto.internal.ReplicaTable;
import io.armadakv.replicator.quic.FrameStream;
import io.armadakv.replicator.quic.LeaderConnection;
import replication.v1.Replication.MetadataRequest;
import replication.v1.Replication.ReplicationFrame;
import replication.v1.Replication.ReplicationRequest;
import replication.v1.Replication.Table;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One replicator process: keeps the follower cluster's table set equal to the leader's and runs
 * one {@link ReplicationWorker} per table.
 */
public final class Replicator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Replicator.class.getName());

    private final ReplicatorConfig config;
    private final LeaderConnection leader;
    private final FollowerCluster follower;
    private final ReplicatorMetrics metrics;
    private final Map<String, Running> workers = new HashMap<>();
    private final ScheduledExecutorService reconciler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "armada-replicator-reconcile");
        t.setDaemon(true);
        return t;
    });

    private record Running(ReplicationWorker worker, Thread thread, ReplicatorMetrics.Table metrics) {
    }

    public Replicator(ReplicatorConfig config, LeaderConnection leader) {
        this.config = config;
        this.leader = leader;
        this.follower = new FollowerCluster(config.followerAddresses(), config.followerTls(), config.token());
        this.metrics = new ReplicatorMetrics(leader::connects);
    }

    /** Prometheus text of the replicator's figures. */
    public String scrapeMetrics() {
        return metrics.scrape();
    }

    public void start() {
        reconciler.scheduleWithFixedDelay(this::reconcileQuietly, 0, config.reconcileIntervalMs(), TimeUnit.MILLISECONDS);
    }

    private void reconcileQuietly() {
        try {
            reconcile();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "reconciling tables with the leader failed; retrying in "
                    + config.reconcileIntervalMs() + " ms: " + e.getMessage());
        }
    }

    /** Creates the leader's tables here, deletes those it no longer has, and starts their workers. */
    synchronized void reconcile() throws IOException {
        List<Table> wanted = leaderTables();
        Map<String, ReplicaTable> local = new HashMap<>();
        for (ReplicaTable t : follower.tables()) {
            local.put(t.getName(), t);
        }
        Map<String, Table> byName = new HashMap<>();
        for (Table t : wanted) {
            byName.put(t.getName(), t);
            ReplicaTable here = local.get(t.getName());
            if (here != null && here.getLeaderId() != t.getId()) {
                // the leader deleted the table and made a new one under the same name
                stopWorker(t.getName());
                follower.delete(t.getName());
                LOG.info("table " + t.getName() + ": the leader's table was recreated; deleted the old copy");
                here = null;
            }
            if (here == null) {
                follower.create(ReplicaTable.newBuilder().setName(t.getName()).setConfig(t.getConfig())
                        .setLeaderId(t.getId()).build());
                LOG.info("table " + t.getName() + ": created on the follower cluster");
            }
            workers.computeIfAbsent(t.getName(), this::startWorker);
        }
        for (String name : local.keySet()) {
            if (!byName.containsKey(name)) {
                stopWorker(name);
                follower.delete(name);
                LOG.info("table " + name + ": deleted on the leader; deleted on the follower cluster");
            }
        }
    }

    private List<Table> leaderTables() throws IOException {
        try (FrameStream frames = leader.call(ReplicationRequest.newBuilder()
                .setMetadata(MetadataRequest.getDefaultInstance()).build())) {
            ReplicationFrame frame = frames.next();
            if (frame == null || !frame.hasMetadata()) {
                throw new IOException("the leader answered the table list with " + frame);
            }
            return frame.getMetadata().getTablesList();
        }
    }

    private Running startWorker(String table) {
        ReplicatorMetrics.Table tableMetrics = metrics.table(table);
        ReplicationWorker worker = new ReplicationWorker(table, leader, follower, config, tableMetrics);
        Thread thread = Thread.ofVirtual().name("armada-replicate-" + table).start(worker);
        return new Running(worker, thread, tableMetrics);
    }

    private void stopWorker(String table) {
        Running r = workers.remove(table);
        if (r != null) {
            r.worker().stop();
            r.thread().interrupt();
            try {
                r.thread().join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            r.metrics().remove();
        }
    }

    /** Stops every worker (each releases its lease) and the connections. */
    @Override
    public synchronized void close() {
        reconciler.shutdownNow();
        for (String table : List.copyOf(workers.keySet())) {
            stopWorker(table);
        }
        follower.close();
        leader.close();
    }
}
