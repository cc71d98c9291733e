package io.armadakv.node.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.armadakv.node.config.ConfigKey.Type.BOOLEAN;
import static io.armadakv.node.config.ConfigKey.Type.DURATION_MS;
import static io.armadakv.node.config.ConfigKey.Type.HOST_PORT;
import static io.armadakv.node.config.ConfigKey.Type.INT;
import static io.armadakv.node.config.ConfigKey.Type.LONG;
import static io.armadakv.node.config.ConfigKey.Type.MEMBERS;
import static io.armadakv.node.config.ConfigKey.Type.PATH;
import static io.armadakv.node.config.ConfigKey.Type.STRING;
import static io.armadakv.node.config.ConfigKey.Type.URL;
import static io.armadakv.node.config.ConfigKey.Type.URLS;

/** Every key an Armada node understands, spelled as the seed system spells them. */
public final class ConfigKeys {

    public static final ConfigKey API_ADDRESS = ConfigKey.of("api.address", URL, "http://127.0.0.1:8443",
            "Client gRPC API (KV, Tables, Cluster) listen URL: http://host:port, or https://host:port for TLS "
                    + "(api.cert-filename and api.key-filename)");
    // TLS of the client API port; the files are re-read when they change
    public static final ConfigKey API_CERT_FILENAME = ConfigKey.of("api.cert-filename", STRING, "",
            "PEM certificate chain (leaf first) the API port presents when api.address is https://");
    public static final ConfigKey API_KEY_FILENAME = ConfigKey.of("api.key-filename", STRING, "",
            "PEM (PKCS#8, unencrypted) private key of api.cert-filename");
    public static final ConfigKey API_CLIENT_CERT_AUTH = ConfigKey.of("api.client-cert-auth", BOOLEAN, "false",
            "Require every API client to present a certificate signed by a CA in api.ca-filename (mutual TLS)");
    public static final ConfigKey API_CA_FILENAME = ConfigKey.of("api.ca-filename", STRING, "",
            "PEM CA certificates API client certificates must chain to (with api.client-cert-auth)");
    public static final ConfigKey API_ALLOWED_CN = ConfigKey.of("api.allowed-cn", STRING, "",
            "With api.client-cert-auth: only a client certificate with this subject CN is let in; empty: any");
    public static final ConfigKey API_ALLOWED_HOSTNAME = ConfigKey.of("api.allowed-hostname", STRING, "",
            "With api.client-cert-auth: only a client certificate with this DNS name among its subject "
                    + "alternative names is let in; empty: any");
    public static final ConfigKey API_ADVERTISE_ADDRESS = ConfigKey.of("api.advertise-address", STRING, "",
            "Client URL other members and clients are told (default: api.address)");
    public static final ConfigKey REST_ADDRESS = ConfigKey.of("rest.address", URL, "http://127.0.0.1:8079",
            "REST listen URL for /metrics and /health; plain HTTP only, so keep it on a loopback or private address");
    public static final ConfigKey RAFT_ADDRESS = ConfigKey.of("raft.address", HOST_PORT, "127.0.0.1:5012",
            "Raft (Ratis) listen address host:port, also this node's peer address");
    public static final ConfigKey RAFT_NODE_ID = ConfigKey.of("raft.node-id", LONG, "1",
            "This node's Raft id; must appear in raft.initial-members");
    public static final ConfigKey RAFT_INITIAL_MEMBERS = ConfigKey.of("raft.initial-members", MEMBERS, "",
            "Cluster members as id=host:port,... (default: this node alone)");
    public static final ConfigKey RAFT_NODE_HOST_DIR = ConfigKey.of("raft.node-host-dir", PATH, "armada-data/raft",
            "Directory of the Raft logs");
    public static final ConfigKey RAFT_STATE_MACHINE_DIR = ConfigKey.of("raft.state-machine-dir", PATH,
            "armada-data/tables", "Directory of the table stores");
    public static final ConfigKey RAFT_SNAPSHOT_ENTRIES = ConfigKey.of("raft.snapshot-entries", LONG, "10000",
            "Applied entries between two snapshots; the Raft log is purged up to a snapshot");
    public static final ConfigKey RAFT_LOG_RETAINED_ENTRIES = ConfigKey.of("raft.log-retained-entries", LONG, "5000",
            "Entries kept in the Raft log below a snapshot, so a briefly lagging member catches up without one");
    public static final ConfigKey RAFT_LOG_SEGMENT_SIZE = ConfigKey.of("raft.log-segment-size", LONG, "8388608",
            "Size of a Raft log segment file in bytes; the log is purged a whole segment at a time, and the "
                    + "entries of the segment being written stay on the heap until it closes");
    public static final ConfigKey RAFT_ELECTION_TIMEOUT_MS = ConfigKey.of("raft.election-timeout", DURATION_MS,
            "1000", "Minimum Raft election timeout in milliseconds (the maximum is twice this)");
    public static final ConfigKey RAFT_MAX_BATCH_BYTES = ConfigKey.of("raft.max-batch-bytes", INT, "1048576",
            "Largest Raft entry the proposal batcher builds from queued writes, in bytes");
    public static final ConfigKey STORAGE_DURABLE_WRITES = ConfigKey.of("storage.durable-writes", BOOLEAN, "false",
            "fsync every table store commit; without it stores are synced before each Raft log purge, "
                    + "and the always-fsynced Raft log replays what a power loss took");
    public static final ConfigKey STORAGE_CACHE_SIZE = ConfigKey.of("storage.cache-size", LONG, "0",
            "Heap bytes of the page cache all table stores of the node share (Xodus' log cache); every page a "
                    + "store writes passes through it, so it also decides how much of the heap stays busy; "
                    + "0: half of the maximum heap");
    public static final ConfigKey STORAGE_BACKGROUND_SYNC_BYTES = ConfigKey.of("storage.background-sync-bytes", LONG,
            "1048576", "Without durable writes, a table store's log is forced to disk in the background each time this "
                    + "many bytes were written to it, so the sync Xodus makes inside a commit when a log file fills "
                    + "finds little left to write; 0 turns it off");
    public static final ConfigKey RAFT_MAX_IN_FLIGHT = ConfigKey.of("raft.max-in-flight-proposals", INT, "1",
            "Raft entries a table's proposal batcher keeps in flight at once; writes that arrive meanwhile "
                    + "go into the next entry together (more in flight: lower latency when idle, smaller entries under load)");
    public static final ConfigKey RAFT_MAX_RELAYS_IN_FLIGHT = ConfigKey.of("raft.max-relays-in-flight", INT, "1",
            "Batches of writes a node that does not lead a table's group keeps on their way to the leader node at "
                    + "once; writes that arrive meanwhile are relayed together in the next one");
    public static final ConfigKey RAFT_PROPOSAL_HOLD_MS = ConfigKey.of("raft.proposal-hold", DURATION_MS, "2",
            "On a table's leader, how long a Raft entry may wait, after the previous one completed, for as many "
                    + "writes as that one carried (fuller entries under load, no wait when idle); 0 turns it off");
    public static final ConfigKey COMPACTION_RETENTION = ConfigKey.of("storage.compaction-retention", LONG, "100000",
            "Revisions of history each table keeps readable; older versions are compacted away");
    public static final ConfigKey COMPACTION_INTERVAL_MS = ConfigKey.of("storage.compaction-interval", DURATION_MS,
            "300000", "How often a table's Raft leader checks whether to compact, in milliseconds");
    public static final ConfigKey CLUSTER_NAME = ConfigKey.of("memberlist.cluster-name", STRING, "default",
            "Cluster name reported by Cluster.MemberList");
    public static final ConfigKey NODE_NAME = ConfigKey.of("memberlist.node-name", STRING, "",
            "Member name reported by Cluster.MemberList (default: raft.address)");
    public static final ConfigKey MAX_KEY_SIZE = ConfigKey.of("api.max-key-size", INT, "1024",
            "Largest key accepted, in bytes");
    public static final ConfigKey MAX_VALUE_SIZE = ConfigKey.of("api.max-value-size", INT, "2097152",
            "Largest value accepted, in bytes");
    public static final ConfigKey MAX_RECV_MESSAGE_SIZE = ConfigKey.of("api.max-recv-message-size", INT, "8388608",
            "Largest request message the API port accepts, in bytes");
    public static final ConfigKey DEFAULT_TIMEOUT_MS = ConfigKey.of("api.default-timeout", DURATION_MS, "5000",
            "Deadline of a request whose client set none, in milliseconds");
    // limits and overload protection of the API port (docs/operations.md, "Overload and limits")
    public static final ConfigKey MAX_TXN_OPS = ConfigKey.of("api.max-txn-ops", INT, "128",
            "Most compares, and most ops in each of a Txn's success and failure lists (each list counted "
                    + "on its own, as etcd does)");
    public static final ConfigKey MAX_SEND_MESSAGE_SIZE = ConfigKey.of("api.max-send-message-size", INT, "4194304",
            "Largest response message the API port sends, in bytes; a larger Txn or DeleteRange result is "
                    + "refused with RESOURCE_EXHAUSTED (ranges are paged below it)");
    public static final ConfigKey MAX_CONCURRENT_CONNECTIONS = ConfigKey.of("api.max-concurrent-connections", INT, "0",
            "Open client connections the API port accepts; further ones are closed at once. 0: unlimited");
    public static final ConfigKey MAX_CONCURRENT_STREAMS = ConfigKey.of("api.max-concurrent-streams", INT, "0",
            "Concurrent calls (HTTP/2 streams) per client connection. 0: unlimited");
    public static final ConfigKey MAX_PENDING_WRITES = ConfigKey.of("api.max-pending-writes", INT, "10000",
            "Writes per table that may wait for a Raft proposal on this node; more are refused with "
                    + "RESOURCE_EXHAUSTED");
    public static final ConfigKey MAX_PENDING_WRITE_BYTES = ConfigKey.of("api.max-pending-write-bytes", LONG,
            "67108864", "Bytes of writes per table that may wait for a Raft proposal on this node; more are "
                    + "refused with RESOURCE_EXHAUSTED");
    public static final ConfigKey ROLE = ConfigKey.of("armada.role", STRING, "leader",
            "leader or follower; set by the command that starts the node (armada leader | armada follower)");
    public static final ConfigKey REPLICATION_ENABLED = ConfigKey.of("replication.enabled", BOOLEAN, "true",
            "Leader cluster: serve the replication endpoint over QUIC on replication.address");
    public static final ConfigKey REPLICATION_ADDRESS = ConfigKey.of("replication.address", HOST_PORT,
            "127.0.0.1:8444", "Leader cluster: QUIC (UDP) listen address host:port of the replication endpoint");
    public static final ConfigKey REPLICATION_CERT_FILE = ConfigKey.of("replication.cert-file", STRING, "",
            "Leader cluster: PEM certificate chain of the replication endpoint (default: a generated "
                    + "development-only self-signed certificate)");
    public static final ConfigKey REPLICATION_KEY_FILE = ConfigKey.of("replication.key-file", STRING, "",
            "Leader cluster: PEM (PKCS#8) private key of replication.cert-file");
    public static final ConfigKey REPLICATION_CA_FILE = ConfigKey.of("replication.ca-file", STRING, "",
            "Leader cluster: PEM CA certificates; when set, replicators must present a certificate it signed "
                    + "(mutual TLS)");
    public static final ConfigKey REPLICATION_MAX_BATCH_BYTES = ConfigKey.of("replication.max-send-message-size-bytes",
            INT, "4194304", "Leader cluster: soft byte budget of one batch of log commands sent to a replicator");
    public static final ConfigKey REPLICATION_LEADER_API_ADDRESS = ConfigKey.of("replication.leader-api-address",
            URLS, "", "Follower cluster: client API URL(s) of the leader cluster, comma-separated, "
                    + "where client writes are forwarded");
    // TLS towards the leader cluster's API, for forwarded writes
    public static final ConfigKey REPLICATION_LEADER_CA_FILE = ConfigKey.of("replication.leader-ca-file", STRING,
            "", "Follower cluster: PEM CA certificates that signed an https:// leader API's certificate "
                    + "(default: the JDK's CAs)");
    public static final ConfigKey REPLICATION_LEADER_CERT_FILE = ConfigKey.of("replication.leader-cert-file",
            STRING, "", "Follower cluster: PEM client certificate chain presented to a leader API with "
                    + "api.client-cert-auth");
    public static final ConfigKey REPLICATION_LEADER_KEY_FILE = ConfigKey.of("replication.leader-key-file",
            STRING, "", "Follower cluster: PEM (PKCS#8) private key of replication.leader-cert-file");
    public static final ConfigKey HEALTH_MAX_LAG_ENTRIES = ConfigKey.of("health.max-lag-entries", LONG, "10000",
            "Follower cluster: /health/ready reports not ready while a table lags the leader cluster by more "
                    + "entries than this");
    public static final ConfigKey TABLES_TOKEN = ConfigKey.secret("tables.token",
            "Bearer token every regatta.v1.Tables call must carry (authorization: Bearer <token>); empty: no check");
    public static final ConfigKey MAINTENANCE_TOKEN = ConfigKey.secret("maintenance.token",
            "Bearer token every maintenance.v1.Maintenance call must carry; empty: no check");
    public static final ConfigKey REPLICATION_TOKEN = ConfigKey.secret("replication.token",
            "Follower cluster: bearer token the replicator must present to the node's replication apply path "
                    + "(armada.internal.v1.Replica); empty: no check");
    // maintenance.v1.Maintenance (backup, restore, reset)
    public static final ConfigKey MAINTENANCE_ENABLED = ConfigKey.of("maintenance.enabled", BOOLEAN, "true",
            "Serve maintenance.v1.Maintenance (Backup and Restore on the leader cluster, Reset on a follower "
                    + "cluster) on the API port; false: its calls answer UNIMPLEMENTED");

    public static final ConfigKey LOG_LEVEL = ConfigKey.of("log.level", STRING, "INFO",
            "Level of Armada's own log lines: SEVERE/ERROR, WARNING/WARN, INFO, FINE/DEBUG, FINEST/TRACE");
    public static final ConfigKey LOG_LIBRARIES_LEVEL = ConfigKey.of("log.libraries-level", STRING, "WARNING",
            "Level of the libraries' log lines (Ratis, Xodus, Helidon, gRPC, Netty, kwik), which are chatty at INFO");
    public static final ConfigKey LOG_FORMAT = ConfigKey.of("log.format", STRING, "text",
            "text, or json for one JSON object per line (time, level, logger, thread, message, error)");

    private static final List<ConfigKey> ALL = List.of(API_ADDRESS, API_CERT_FILENAME, API_KEY_FILENAME,
            API_CLIENT_CERT_AUTH, API_CA_FILENAME, API_ALLOWED_CN, API_ALLOWED_HOSTNAME, API_ADVERTISE_ADDRESS,
            REST_ADDRESS,
            RAFT_ADDRESS, RAFT_NODE_ID, RAFT_INITIAL_MEMBERS, RAFT_NODE_HOST_DIR, RAFT_STATE_MACHINE_DIR,
            RAFT_SNAPSHOT_ENTRIES, RAFT_LOG_RETAINED_ENTRIES, RAFT_LOG_SEGMENT_SIZE,
            RAFT_ELECTION_TIMEOUT_MS, RAFT_MAX_BATCH_BYTES, RAFT_MAX_IN_FLIGHT, RAFT_MAX_RELAYS_IN_FLIGHT,
            RAFT_PROPOSAL_HOLD_MS, STORAGE_DURABLE_WRITES, STORAGE_CACHE_SIZE,
            STORAGE_BACKGROUND_SYNC_BYTES,
            COMPACTION_RETENTION, COMPACTION_INTERVAL_MS,
            CLUSTER_NAME, NODE_NAME, MAX_KEY_SIZE, MAX_VALUE_SIZE, MAX_RECV_MESSAGE_SIZE, DEFAULT_TIMEOUT_MS,
            MAX_TXN_OPS, MAX_SEND_MESSAGE_SIZE, MAX_CONCURRENT_CONNECTIONS, MAX_CONCURRENT_STREAMS,
            MAX_PENDING_WRITES, MAX_PENDING_WRITE_BYTES,
            ROLE, REPLICATION_ENABLED, REPLICATION_ADDRESS, REPLICATION_CERT_FILE, REPLICATION_KEY_FILE,
            REPLICATION_CA_FILE, REPLICATION_MAX_BATCH_BYTES, REPLICATION_LEADER_API_ADDRESS,
            REPLICATION_LEADER_CA_FILE, REPLICATION_LEADER_CERT_FILE, REPLICATION_LEADER_KEY_FILE,
            HEALTH_MAX_LAG_ENTRIES, TABLES_TOKEN, MAINTENANCE_TOKEN, REPLICATION_TOKEN,
            MAINTENANCE_ENABLED,
            LOG_LEVEL, LOG_LIBRARIES_LEVEL, LOG_FORMAT);

    private static final Map<String, ConfigKey> BY_NAME = new LinkedHashMap<>();

    static {
        ALL.forEach(k -> BY_NAME.put(k.name(), k));
    }

    private ConfigKeys() {
    }

    public static List<ConfigKey> all() {
        return ALL;
    }

    /** The keys files, environment and flags may set: all but armada.role, which the command sets. */
    public static List<ConfigKey> settable() {
        return ALL.stream().filter(k -> k != ROLE).toList();
    }

    public static Optional<ConfigKey> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }
}
