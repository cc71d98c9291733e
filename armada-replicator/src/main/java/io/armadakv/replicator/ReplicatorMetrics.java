package io.armadakv.replicator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The replicator's figures, in Prometheus text at {@code /metrics}: per table (label
 * {@code table}) what it received and applied, and for the process its QUIC connections and JVM.
 * Micrometer is the registry Helidon's MicroProfile Metrics runs on; the replicator has no CDI
 * container, so it uses the registry directly.
 */
final class ReplicatorMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Micrometer holds what a function counter reads only weakly
    private final LongSupplier quicConnects;

    ReplicatorMetrics(LongSupplier quicConnects) {
        this.quicConnects = quicConnects;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        FunctionCounter.builder("armada_replicator_quic_connects", this.quicConnects, s -> s.getAsLong())
                .description("QUIC connections made to leader nodes (a reconnect counts again)").register(registry);
    }

    String scrape() {
        return registry.scrape();
    }

    /** The figures of one table; they stay registered until the table goes away. */
    Table table(String name) {
        return new Table(name);
    }

    /** Held by its worker: Micrometer reads the gauges' state through weak references. */
    final class Table {
        final Counter commands;
        final Counter bytes;
        final Counter snapshotLoads;
        final Counter failures;
        final AtomicLong leaderLastIndex = new AtomicLong();
        final AtomicLong appliedIndex = new AtomicLong();
        final AtomicLong leaseHeld = new AtomicLong();
        private final String name;

        private Table(String name) {
            this.name = name;
            commands = Counter.builder("armada_replicator_commands").tag("table", name)
                    .description("Leader commands applied to the follower cluster").register(registry);
            bytes = Counter.builder("armada_replicator_command_bytes").tag("table", name)
                    .description("Serialized bytes of the leader commands applied").register(registry);
            snapshotLoads = Counter.builder("armada_replicator_snapshot_loads").tag("table", name)
                    .description("Snapshots loaded because the leader no longer had the log").register(registry);
            failures = Counter.builder("armada_replicator_failures").tag("table", name)
                    .description("Replication attempts that failed and were retried").register(registry);
            Gauge.builder("armada_replicator_leader_last_index", leaderLastIndex, AtomicLong::get).tag("table", name)
                    .description("The leader's newest index, as last seen").register(registry);
            Gauge.builder("armada_replicator_applied_leader_index", appliedIndex, AtomicLong::get).tag("table", name)
                    .description("The follower table's leader index after the last apply").register(registry);
            Gauge.builder("armada_replicator_lag_entries", this, t -> Math.max(0,
                            t.leaderLastIndex.get() - t.appliedIndex.get())).tag("table", name)
                    .description("Leader entries not yet applied to the follower table").register(registry);
            Gauge.builder("armada_replicator_lease_held", leaseHeld, AtomicLong::get).tag("table", name)
                    .description("1 while this replicator holds the table's lease").register(registry);
        }

        void remove() {
            registry.getMeters().stream().filter(m -> name.equals(m.getId().getTag("table")))
                    .forEach(registry::remove);
        }
    }
}
