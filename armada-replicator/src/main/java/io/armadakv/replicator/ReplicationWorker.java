package io.armadakv.replicator;

import com.google.protobuf.ByteString;
import io.armadakv.proto.internal.ApplyRequest;
import io.armadakv.proto.internal.ApplyResponse;
import io.armadakv.proto.internal.LeaseResponse;
import io.armadakv.replicator.quic.FrameStream;
import io.armadakv.replicator.quic.LeaderConnection;
import mvcc.v1.Mvcc.Command;
import replication.v1.Replication.ReplicateCommand;
import replication.v1.Replication.ReplicateError;
import replication.v1.Replication.ReplicateRequest;
import replication.v1.Replication.ReplicateResponse;
import replication.v1.Replication.ReplicationFrame;
import replication.v1.Replication.ReplicationRequest;
import replication.v1.Replication.SnapshotRequest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps one follower table equal to the leader's: while it holds the table's lease it asks the
 * leader for the log after the table's stored leader index and applies what comes, or loads a
 * snapshot when the leader no longer has that part of its log. Its only state is that index,
 * read back from the follower cluster, so a restart or a takeover resumes exactly where the
 * table is.
 */
final class ReplicationWorker implements Runnable {

    private static final Logger LOG = Logger.getLogger(ReplicationWorker.class.getName());
    private static final long MAX_BACKOFF_MS = 5_000;
    /** A leader that sends nothing on a stream for this long is not coming back to it: give up the stream. */
    private static final long SILENT_STREAM_MS = 30_000;
    private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                    .name("armada-replicate-watchdog").factory());

    private final String table;
    private final LeaderConnection leader;
    private final FollowerCluster follower;
    private final ReplicatorConfig config;
    private volatile boolean stopped;
    /** The stored leader index as the last apply left it, -1 when it must be read back. */
    private volatile long cursor = -1;
    /** The leader index of the last command received, applied or queued. */
    private long received = -1;
    private ApplyPipeline pipeline;
    private long leaseRenewedAt;
    private boolean leased;
    private long backoffMs;
    private boolean checkReset;

    private final ReplicatorMetrics.Table metrics;

    ReplicationWorker(String table, LeaderConnection leader, FollowerCluster follower, ReplicatorConfig config,
                      ReplicatorMetrics.Table metrics) {
        this.metrics = metrics;
        this.table = table;
        this.leader = leader;
        this.follower = follower;
        this.config = config;
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        while (!stopped) {
            try {
                if (!holdLease()) {
                    pause(config.leaseTtlMs() / 3); // another replicator holds it: check again before it could expire
                    continue;
                }
                pull();
                backoffMs = 0;
            } catch (InterruptedException e) {
                break;
            } catch (IOException | RuntimeException e) {
                metrics.failures.increment();
                discardPipeline();
                cursor = -1; // read it back from the follower: the failed call may or may not have applied
                backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs == 0 ? 100 : backoffMs * 2);
                LOG.log(backoffMs >= MAX_BACKOFF_MS ? Level.WARNING : Level.FINE,
                        "table " + table + ": replication failed, retrying in " + backoffMs + " ms: " + e.getMessage());
                try {
                    pause(backoffMs);
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        discardPipeline();
        Thread.interrupted(); // a stop interrupts the worker; the lease must still be given back
        if (leased) {
            try {
                follower.lease(table, config.id(), config.leaseTtlMs(), true);
            } catch (RuntimeException e) {
                LOG.fine("table " + table + ": releasing the lease failed; it expires on its own: " + e.getMessage());
            }
        }
    }

    /** Claims or renews the table's lease; renewal happens well before it could run out. */
    private boolean holdLease() {
        long now = System.currentTimeMillis();
        if (leased && now - leaseRenewedAt < config.leaseTtlMs() / 3) {
            return true;
        }
        LeaseResponse r = follower.lease(table, config.id(), config.leaseTtlMs(), false);
        if (r.getGranted()) {
            if (!leased) {
                LOG.info("table " + table + ": replicating (lease held by " + config.id() + ")");
                discardPipeline();
                cursor = -1;
            }
            leased = true;
            metrics.leaseHeld.set(1);
            leaseRenewedAt = now;
            // a caught-up worker applies nothing that would be refused after a reset: look at each renewal
            checkReset = true;
            return true;
        }
        if (leased) {
            LOG.info("table " + table + ": lease taken over by " + r.getHolder());
        }
        leased = false;
        metrics.leaseHeld.set(0);
        return false;
    }

    /**
     * A caught-up table's request waits on the leader for new writes, so they arrive as they
     * commit; short enough that the lease is renewed in time.
     */
    private long longPollMs() {
        return Math.max(1, Math.min(config.pollIntervalMs(), config.leaseTtlMs() / 3));
    }

    private void discardPipeline() {
        if (pipeline != null) {
            pipeline.close();
            pipeline = null;
        }
        received = -1;
    }

    /**
     * One request for the log after what was received, answered at once when the leader has
     * more; what it brings is applied on the pipeline while the next request goes out.
     */
    private void pull() throws IOException, InterruptedException {
        if (checkReset && pipeline != null) {
            checkReset = false;
            if (isReset(localTable())) {
                discardPipeline(); // read the cursor back below and reload
            }
        }
        if (pipeline == null) {
            io.armadakv.proto.internal.ReplicaTable local = localTable();
            cursor = local.getLeaderIndex();
            received = cursor;
            pipeline = new ApplyPipeline("armada-apply-" + table, 4);
            if (isReset(local)) {
                pipeline.drain();
                LOG.info("table " + table + ": reset on the follower cluster; reloading it from a leader snapshot");
                loadSnapshot();
                received = cursor;
                return;
            }
        }
        pipeline.check();
        ReplicationRequest request = ReplicationRequest.newBuilder().setReplicate(ReplicateRequest.newBuilder()
                .setTable(ByteString.copyFromUtf8(table)).setLeaderIndex(received + 1))
                .setWaitMs(longPollMs()).build();
        long leaderLast = received;
        try (FrameStream frames = leader.call(request)) {
            ReplicationFrame frame;
            while (!stopped && (frame = next(frames)) != null) {
                if (frame.hasError()) {
                    throw new IOException("leader refused " + table + ": " + frame.getError().getCode() + " "
                            + frame.getError().getMessage());
                }
                ReplicateResponse r = frame.getReplicate();
                if (r.hasErrorResponse()) {
                    if (r.getErrorResponse().getError() == ReplicateError.USE_SNAPSHOT) {
                        pipeline.drain();
                        LOG.info("table " + table + ": the leader no longer has the log after index " + cursor
                                + "; loading a snapshot");
                        loadSnapshot();
                        received = cursor;
                        return;
                    }
                    throw new IOException("leader is behind this table (leader index " + received
                            + "); a leader restored from a backup needs the follower table reset");
                }
                leaderLast = Math.max(leaderLast, r.getLeaderIndex());
                long last = leaderLast;
                if (r.hasCommandsResponse()) {
                    List<Command> commands = commandsOf(r);
                    received = commands.getLast().getLeaderIndex();
                    pipeline.submit(() -> apply(commands, last));
                } else {
                    pipeline.submit(() -> report(last));
                }
            }
        }
    }

    private io.armadakv.proto.internal.ReplicaTable localTable() {
        return follower.tables().stream().filter(t -> t.getName().equals(table)).findFirst()
                .orElseThrow(() -> new IllegalStateException("table " + table + " is not on the follower cluster"));
    }

    /**
     * Maintenance.Reset leaves a follower table's content in place with its leader index at 0;
     * replaying the log from 1 over that content would diverge, so such a table reloads from a
     * snapshot, which replaces the content in one step.
     */
    private static boolean isReset(io.armadakv.proto.internal.ReplicaTable t) {
        return t.getLeaderIndex() == 0 && t.getRevision() > 0;
    }

    /** The next frame; a stream that stays silent too long is closed, which fails the read. */
    private ReplicationFrame next(FrameStream frames) throws IOException {
        java.util.concurrent.ScheduledFuture<?> watchdog = WATCHDOG.schedule(frames::close, SILENT_STREAM_MS,
                java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            return frames.next();
        } finally {
            watchdog.cancel(false);
        }
    }

    private static List<Command> commandsOf(ReplicateResponse r) {
        List<Command> out = new ArrayList<>(r.getCommandsResponse().getCommandsCount());
        for (ReplicateCommand c : r.getCommandsResponse().getCommandsList()) {
            out.add(c.getCommand().toBuilder().setLeaderIndex(c.getLeaderIndex()).build());
        }
        return out;
    }

    private void apply(List<Command> commands, long leaderLast) {
        ApplyResponse applied = follower.apply(ApplyRequest.newBuilder().setTable(table).addAllCommands(commands)
                .setLeaderLastIndex(leaderLast).build());
        metrics.leaderLastIndex.accumulateAndGet(leaderLast, Math::max);
        if (!commands.isEmpty()) {
            // an empty apply is answered from the node's own copy, which may lag its group
            cursor = applied.getLeaderIndex();
            metrics.appliedIndex.set(cursor);
            metrics.commands.increment(commands.size());
            metrics.bytes.increment(commands.stream().mapToLong(Command::getSerializedSize).sum());
        }
    }

    private long reportedLast = -1;

    /** Tells the follower how far the leader is, so its lag shows while nothing needs applying. */
    private void report(long leaderLast) {
        if (leaderLast != reportedLast) {
            apply(List.of(), leaderLast);
            reportedLast = leaderLast;
        }
    }

    /**
     * Streams the leader's snapshot into the follower table's staging area and commits it: the
     * table changes at once, at the commit, and the log resumes after the snapshot's index.
     */
    private void loadSnapshot() throws IOException {
        ReplicationRequest request = ReplicationRequest.newBuilder().setSnapshot(SnapshotRequest.newBuilder()
                .setTable(ByteString.copyFromUtf8(table))).build();
        long versions = 0;
        try (FrameStream frames = leader.call(request)) {
            ReplicationFrame frame;
            while (!stopped && (frame = next(frames)) != null) {
                if (frame.hasError()) {
                    throw new IOException("leader refused a snapshot of " + table + ": " + frame.getError().getCode()
                            + " " + frame.getError().getMessage());
                }
                List<Command> commands = new ArrayList<>();
                for (ReplicateCommand c : frame.getReplicate().getCommandsResponse().getCommandsList()) {
                    commands.add(c.getCommand());
                    versions += c.getCommand().getBatchCount();
                }
                ApplyResponse applied = follower.apply(ApplyRequest.newBuilder().setTable(table)
                        .addAllCommands(commands).setLeaderLastIndex(frame.getReplicate().getLeaderIndex()).build());
                cursor = applied.getLeaderIndex();
            }
        }
        if (stopped) {
            throw new IOException("stopped while loading a snapshot of " + table);
        }
        metrics.snapshotLoads.increment();
        metrics.appliedIndex.set(cursor);
        LOG.info("table " + table + ": loaded a snapshot of " + versions + " versions at leader index " + cursor);
    }

    private void pause(long ms) throws InterruptedException {
        if (ms > 0 && !stopped) {
            Thread.sleep(ms);
        }
    }
}
