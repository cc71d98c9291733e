package io.armadakv.node.metrics;

/**
 * Names of Armada's metrics as registered. The Prometheus exporter adds {@code _total} to
 * counters and {@code _seconds} to timers, so those are registered without the suffix.
 */
final class MetricNames {

    static final String TABLE_TAG = "table";

    static final String RAFT_TERM = "armada_raft_term";
    static final String RAFT_COMMIT_INDEX = "armada_raft_commit_index";
    static final String RAFT_APPLIED_INDEX = "armada_raft_applied_index";
    static final String RAFT_LEADER_ID = "armada_raft_leader_id";
    static final String RAFT_IS_LEADER = "armada_raft_is_leader";
    static final String RAFT_LOG_ENTRIES = "armada_raft_log_entries";
    static final String STORE_SIZE_BYTES = "armada_store_size_bytes";
    static final String STORE_KEYS = "armada_store_keys";
    static final String STORE_REVISION = "armada_store_revision";

    static final String REPLICATION_LEADER_LAST_INDEX = "armada_replication_leader_last_index";
    static final String REPLICATION_LEADER_INDEX = "armada_replication_leader_index";
    static final String REPLICATION_LAG_ENTRIES = "armada_replication_lag_entries";
    static final String REPLICATION_LAG_SECONDS = "armada_replication_lag_seconds";

    static final String PROPOSAL_DURATION = "armada_proposal_duration";
    static final String PROPOSAL_FAILURES = "armada_proposal_failures";
    static final String PROPOSED_ENTRIES = "armada_proposed_entries";
    static final String RELAYED_WRITES = "armada_relayed_writes";
    static final String RELAYS = "armada_relays";
    static final String APPLY_DURATION = "armada_apply_duration";
    static final String ENTRIES_APPLIED = "armada_entries_applied";
    static final String APPLY_FAILURES = "armada_apply_failures";
    static final String SNAPSHOT_INSTALLS = "armada_snapshot_installs";
    static final String SNAPSHOT_INSTALL_BYTES = "armada_snapshot_install_bytes";
    static final String SNAPSHOT_INSTALL_DURATION = "armada_snapshot_install_duration";

    static final String GRPC_REQUESTS = "armada_grpc_requests";
    static final String GRPC_REQUEST_DURATION = "armada_grpc_request_duration";

    private MetricNames() {
    }
}
