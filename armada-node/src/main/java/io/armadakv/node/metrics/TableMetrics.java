package io.armadakv.node.metrics;

import io.armadakv.node.table.Table;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricID;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Timer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import static io.armadakv.node.metrics.MetricNames.*;

/**
 * The metrics of one hosted table, labelled {@code table=<name>}: gauges that read the table's
 * live state at scrape time, and the timers and counters its write and apply paths feed.
 * Everything registered here is removed again by {@link #remove()} when the table goes.
 */
final class TableMetrics {

    /** A scrape reads a dozen gauges: they share one reading of the group's state instead of walking the store each. */
    private static final long STATE_MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final MetricRegistry registry;
    private final Table table;
    private final Tag tag;
    private final List<MetricID> registered = new ArrayList<>();
    /** The registry may hold gauge suppliers weakly: these references keep them alive as long as the table is hosted. */
    private final List<Supplier<Double>> gauges = new ArrayList<>();
    private volatile Table.GroupState state;
    private volatile long stateReadAt;

    final Timer proposalDuration;
    final Counter proposalFailures;
    final Counter proposedEntries;
    final Counter relayedWrites;
    final Counter relays;
    final Timer applyDuration;
    final Counter entriesApplied;
    final Counter applyFailures;
    final Counter snapshotInstalls;
    final Counter snapshotInstallBytes;
    final Timer snapshotInstallDuration;

    TableMetrics(MetricRegistry registry, Table table, boolean follower) {
        this.registry = registry;
        this.table = table;
        this.tag = new Tag(TABLE_TAG, table.name());
        gauge(RAFT_TERM, "Raft term of the table's group as this node sees it", s -> s.term());
        gauge(RAFT_COMMIT_INDEX, "Raft commit index of the table's group on this node", s -> table.commitIndex());
        gauge(RAFT_APPLIED_INDEX, "Raft index last applied to this node's store of the table", s -> s.appliedIndex());
        gauge(RAFT_LEADER_ID, "Node id of the group's Raft leader, 0 when there is none", s -> s.leaderId());
        gauge(RAFT_IS_LEADER, "1 when this node is the group's Raft leader, else 0", s -> s.leader() ? 1 : 0);
        gauge(RAFT_LOG_ENTRIES, "Entries in this node's Raft log of the table", s -> s.logEntries());
        gauge(STORE_SIZE_BYTES, "Bytes of the table's store files on this node's disk", s -> s.storeBytes());
        gauge(STORE_KEYS, "Live keys in the table", s -> table.store().keyCount());
        gauge(STORE_REVISION, "The table's current revision", s -> table.store().revision());
        if (follower) {
            gauge(REPLICATION_LEADER_LAST_INDEX, "Leader cluster's newest index of the table as a replicator last reported it",
                    s -> table.leaderLastIndex());
            gauge(REPLICATION_LEADER_INDEX, "Leader cluster index of the last entry applied to this node's copy",
                    s -> table.store().leaderIndex());
            gauge(REPLICATION_LAG_ENTRIES, "Leader cluster entries not applied here yet (leader last index - leader index)",
                    s -> table.replicationLagEntries());
            gauge(REPLICATION_LAG_SECONDS, "Seconds since this node last had applied the leader cluster's newest "
                    + "index it knew of; 0 while caught up", s -> table.replicationLagNanos() / 1e9);
        }
        proposalDuration = timer(PROPOSAL_DURATION, "Client write latency from submission to the proposal batcher to its reply");
        proposalFailures = counter(PROPOSAL_FAILURES, "Client writes whose proposal failed");
        proposedEntries = counter(PROPOSED_ENTRIES, "Raft entries this node proposed for client writes; on the "
                + "group leader armada_proposal_duration_seconds_count over this is the writes per entry");
        relayedWrites = counter(RELAYED_WRITES, "Client writes this node relayed to the node leading the table's "
                + "group, to be packed into its entries");
        relays = counter(RELAYS, "Batches of client writes this node relayed to the node leading the table's group; "
                + "armada_relayed_writes_total over this is the writes per relay");
        applyDuration = timer(APPLY_DURATION, "Time to apply one Raft entry to the table's store");
        entriesApplied = counter(ENTRIES_APPLIED, "Raft entries applied to the table's store");
        applyFailures = counter(APPLY_FAILURES, "Entries whose apply failed; the table stops applying after one");
        snapshotInstalls = counter(SNAPSHOT_INSTALLS, "Snapshots fetched from the group leader and installed");
        snapshotInstallBytes = counter(SNAPSHOT_INSTALL_BYTES, "Bytes of installed snapshots");
        snapshotInstallDuration = timer(SNAPSHOT_INSTALL_DURATION, "Time to fetch and install a snapshot");
    }

    String tableName() {
        return table.name();
    }

    Table table() {
        return table;
    }

    void proposalCompleted(long nanos, boolean ok) {
        proposalDuration.update(Duration.ofNanos(nanos));
        if (!ok) {
            proposalFailures.inc();
        }
    }

    void entryProposed() {
        proposedEntries.inc();
    }

    void writesRelayed(int writes) {
        relayedWrites.inc(writes);
        relays.inc();
    }

    void entryApplied(long nanos) {
        applyDuration.update(Duration.ofNanos(nanos));
        entriesApplied.inc();
    }

    void snapshotInstalled(long bytes, long nanos) {
        snapshotInstalls.inc();
        snapshotInstallBytes.inc(bytes);
        snapshotInstallDuration.update(Duration.ofNanos(nanos));
    }

    void remove() {
        registered.forEach(registry::remove);
        registered.clear();
        gauges.clear();
    }

    private void gauge(String name, String description, ToDoubleFunction<Table.GroupState> read) {
        Supplier<Double> supplier = () -> {
            try {
                return read.applyAsDouble(state());
            } catch (RuntimeException e) {
                return Double.NaN; // the store is closed or being swapped for a snapshot: no reading now
            }
        };
        gauges.add(supplier);
        registry.gauge(Metadata.builder().withName(name).withDescription(description).build(), supplier, tag);
        registered.add(new MetricID(name, tag));
    }

    private Timer timer(String name, String description) {
        registered.add(new MetricID(name, tag));
        return registry.timer(Metadata.builder().withName(name).withDescription(description)
                .withUnit(MetricUnits.SECONDS).build(), tag);
    }

    private Counter counter(String name, String description) {
        registered.add(new MetricID(name, tag));
        return registry.counter(Metadata.builder().withName(name).withDescription(description).build(), tag);
    }

    private Table.GroupState state() {
        long now = System.nanoTime();
        Table.GroupState s = state;
        if (s == null || now - stateReadAt > STATE_MAX_AGE_NANOS) {
            s = table.state();
            state = s;
            stateReadAt = now;
        }
        return s;
    }
}
