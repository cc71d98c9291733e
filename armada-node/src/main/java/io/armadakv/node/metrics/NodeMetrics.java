package io.armadakv.node.metrics;

import io.armadakv.node.table.Table;
import io.armadakv.node.table.TableObserver;
import org.eclipse.microprofile.metrics.MetricRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's metrics in the MicroProfile application registry: per-table metrics for exactly the
 * tables this node hosts, and the request metrics of the API port.
 */
public final class NodeMetrics implements TableObserver {

    private final MetricRegistry registry;
    private final boolean follower;
    /** By table id: the apply path knows a table by its id, and ids are never reused. */
    private final Map<Long, TableMetrics> tables = new ConcurrentHashMap<>();
    private final RequestMetricsInterceptor requests;

    public NodeMetrics(MetricRegistry registry, boolean follower) {
        this.registry = registry;
        this.follower = follower;
        this.requests = new RequestMetricsInterceptor(registry);
    }

    public RequestMetricsInterceptor requests() {
        return requests;
    }

    @Override
    public synchronized void tableHosted(Table table) {
        TableMetrics previous = tables.remove(table.id());
        if (previous != null) {
            previous.remove();
        }
        tables.put(table.id(), new TableMetrics(registry, table, follower));
    }

    @Override
    public synchronized void tableRemoved(Table table) {
        TableMetrics metrics = tables.get(table.id());
        // only the metrics of this very table: a table of the same id hosted again has its own
        if (metrics != null && metrics.table() == table) {
            tables.remove(table.id());
            metrics.remove();
        }
    }

    @Override
    public void proposalCompleted(long tableId, long nanos, boolean ok) {
        TableMetrics m = tables.get(tableId);
        if (m != null) {
            m.proposalCompleted(nanos, ok);
        }
    }

    @Override
    public void entryProposed(long tableId, int writes) {
        TableMetrics m = tables.get(tableId);
        if (m != null) {
            m.entryProposed();
        }
    }

    @Override
    public void writesRelayed(long tableId, int writes) {
        TableMetrics m = tables.get(tableId);
        if (m != null) {
            m.writesRelayed(writes);
        }
    }

    /** Entries applied while Ratis replays a group before the table is hosted are not counted: no name to count them under yet. */
    @Override
    public void entryApplied(long tableId, long nanos) {
        TableMetrics m = tables.get(tableId);
        if (m != null) {
            m.entryApplied(nanos);
        }
    }

    @Override
    public void applyFailed(long tableId) {
        TableMetrics m = tables.get(tableId);
        if (m != null) {
            m.applyFailures.inc();
        }
    }

    @Override
    public void snapshotInstalled(long tableId, long bytes, long nanos) {
        TableMetrics m = tables.get(tableId);
        if (m != null) {
            m.snapshotInstalled(bytes, nanos);
        }
    }
}
