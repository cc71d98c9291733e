package io.armadakv.node.config;

import org.eclipse.microprofile.config.Config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The typed, validated configuration of one node, read once from MicroProfile Config. */
public record NodeConfig(
        Endpoint api,
        String apiAdvertiseAddress,
        Endpoint rest,
        Endpoint raftAddress,
        long nodeId,
        Map<Long, Endpoint> initialMembers,
        Path nodeHostDir,
        Path stateMachineDir,
        long snapshotEntries,
        long logRetainedEntries,
        long logSegmentSize,
        long electionTimeoutMs,
        int maxBatchBytes,
        int maxInFlightProposals,
        int maxRelaysInFlight,
        long proposalHoldMs,
        boolean durableWrites,
        long storeCacheBytes,
        long backgroundSyncBytes,
        long compactionRetention,
        long compactionIntervalMs,
        String clusterName,
        String nodeName,
        int maxKeySize,
        int maxValueSize,
        int maxRecvMessageSize,
        long defaultTimeoutMs,
        boolean follower,
        Replication replication,
        ApiTls apiTls,
        ApiLimits apiLimits) {

    /**
     * What the API port and each table admit at once (the api.max-* keys beyond key and value size).
     *
     * @param maxConcurrentConnections 0: unlimited
     * @param maxConcurrentStreams     per connection; 0: unlimited
     */
    public record ApiLimits(int maxTxnOps, int maxSendMessageSize, int maxConcurrentConnections,
                            int maxConcurrentStreams, int maxPendingWrites, long maxPendingWriteBytes) {

        static ApiLimits from(ConfigReader r) {
            return new ApiLimits(
                    r.positiveInt(ConfigKeys.MAX_TXN_OPS),
                    r.positiveInt(ConfigKeys.MAX_SEND_MESSAGE_SIZE),
                    r.nonNegativeInt(ConfigKeys.MAX_CONCURRENT_CONNECTIONS),
                    r.nonNegativeInt(ConfigKeys.MAX_CONCURRENT_STREAMS),
                    r.positiveInt(ConfigKeys.MAX_PENDING_WRITES),
                    r.positiveLong(ConfigKeys.MAX_PENDING_WRITE_BYTES));
        }
    }

    /**
     * Cross-location replication: on the leader cluster the QUIC endpoint (null when disabled),
     * on a follower cluster where client writes go.
     *
     * @param certFile    null: a generated development certificate
     * @param caFile      null: no client certificates asked for
     */
    public record Replication(Endpoint address, Path certFile, Path keyFile, Path caFile, int maxBatchBytes,
                              java.util.List<Endpoint> leaderApi, TlsFiles leaderApiTls) {
    }

    /**
     * TLS of the client API port; {@link TlsFiles#NONE} files when api.address is http://.
     *
     * @param allowedCn       empty: any client certificate the CA signed
     * @param allowedHostname empty: any
     */
    public record ApiTls(TlsFiles files, boolean clientCertAuth, String allowedCn, String allowedHostname) {

        static ApiTls read(ConfigReader r, Endpoint api) {
            Path cert = r.optionalFile(ConfigKeys.API_CERT_FILENAME);
            Path key = r.optionalFile(ConfigKeys.API_KEY_FILENAME);
            Path ca = r.optionalFile(ConfigKeys.API_CA_FILENAME);
            boolean clientCertAuth = r.bool(ConfigKeys.API_CLIENT_CERT_AUTH);
            String cn = r.string(ConfigKeys.API_ALLOWED_CN).trim();
            String hostname = r.string(ConfigKeys.API_ALLOWED_HOSTNAME).trim();
            if (!api.tls()) {
                if (cert != null || key != null || clientCertAuth) {
                    throw new ConfigException(ConfigKeys.API_ADDRESS.name() + ": '" + api.url() + "' is plaintext, yet "
                            + "TLS is configured (" + ConfigKeys.API_CERT_FILENAME.name() + ", "
                            + ConfigKeys.API_CLIENT_CERT_AUTH.name() + "); use https://");
                }
                return new ApiTls(TlsFiles.NONE, false, "", "");
            }
            if (cert == null || key == null) {
                throw new ConfigException(ConfigKeys.API_ADDRESS.name() + ": https:// needs "
                        + ConfigKeys.API_CERT_FILENAME.name() + " and " + ConfigKeys.API_KEY_FILENAME.name());
            }
            if (clientCertAuth && ca == null) {
                throw new ConfigException(ConfigKeys.API_CLIENT_CERT_AUTH.name() + ": needs "
                        + ConfigKeys.API_CA_FILENAME.name() + ", the CA client certificates must chain to");
            }
            if (!clientCertAuth && (!cn.isEmpty() || !hostname.isEmpty())) {
                throw new ConfigException(ConfigKeys.API_ALLOWED_CN.name() + " and "
                        + ConfigKeys.API_ALLOWED_HOSTNAME.name() + " check client certificates: set "
                        + ConfigKeys.API_CLIENT_CERT_AUTH.name() + "=true");
            }
            return new ApiTls(TlsFiles.of(ConfigKeys.API_CERT_FILENAME.name(), cert,
                    ConfigKeys.API_KEY_FILENAME.name(), key,
                    ConfigKeys.API_CA_FILENAME.name(), clientCertAuth ? ca : null), clientCertAuth, cn, hostname);
        }
    }

    /** The largest Raft entry this node can build: a full batch, or one write of the largest size. */
    public long maxEntryBytes() {
        return Math.max(maxBatchBytes, (long) maxValueSize + maxKeySize) + 64 * 1024;
    }

    /** Smallest page cache accepted: sixteen of Xodus' 64 KiB pages. */
    static final long MIN_STORE_CACHE_BYTES = 1 << 20;

    private NodeConfig validated() {
        if (logSegmentSize < 2 * maxEntryBytes()) {
            throw new ConfigException(ConfigKeys.RAFT_LOG_SEGMENT_SIZE.name() + ": " + logSegmentSize
                    + " bytes cannot hold two of the largest Raft entries (" + maxEntryBytes() + " bytes, from "
                    + ConfigKeys.RAFT_MAX_BATCH_BYTES.name() + " and " + ConfigKeys.MAX_VALUE_SIZE.name() + ")");
        }
        long heap = Runtime.getRuntime().maxMemory();
        if (storeCacheBytes != 0 && (storeCacheBytes < MIN_STORE_CACHE_BYTES || storeCacheBytes >= heap)) {
            // Xodus would refuse a cache larger than the heap only when the first table opens
            throw new ConfigException(ConfigKeys.STORAGE_CACHE_SIZE.name() + ": " + storeCacheBytes
                    + " bytes is outside 1 MiB (" + MIN_STORE_CACHE_BYTES + ") to the maximum heap (" + heap
                    + " bytes); 0 takes half of the heap");
        }
        if (apiLimits.maxSendMessageSize() < 4 * 1024 * 1024) {
            throw new ConfigException(ConfigKeys.MAX_SEND_MESSAGE_SIZE.name() + ": " + apiLimits.maxSendMessageSize()
                    + " bytes is below 4 MiB (4194304), which a range page of 4 MiB - 1 KiB needs");
        }
        return this;
    }

    public static NodeConfig from(Config config) {
        ConfigReader r = new ConfigReader(config);
        Endpoint api = r.url(ConfigKeys.API_ADDRESS);
        Endpoint raft = r.hostPort(ConfigKeys.RAFT_ADDRESS);
        long nodeId = r.positiveLong(ConfigKeys.RAFT_NODE_ID);
        Map<Long, Endpoint> members = r.members(ConfigKeys.RAFT_INITIAL_MEMBERS);
        if (members.isEmpty()) {
            members = Map.of(nodeId, raft);
        } else if (!members.containsKey(nodeId)) {
            throw new ConfigException(ConfigKeys.RAFT_INITIAL_MEMBERS.name() + ": does not list this node's id "
                    + nodeId + " (" + ConfigKeys.RAFT_NODE_ID.name() + ")");
        }
        String advertise = r.string(ConfigKeys.API_ADVERTISE_ADDRESS);
        String nodeName = r.string(ConfigKeys.NODE_NAME);
        boolean follower = r.oneOf(ConfigKeys.ROLE, "leader", "follower").equals("follower");
        Replication replication = new Replication(
                !follower && r.bool(ConfigKeys.REPLICATION_ENABLED) ? r.hostPort(ConfigKeys.REPLICATION_ADDRESS) : null,
                r.optionalFile(ConfigKeys.REPLICATION_CERT_FILE),
                r.optionalFile(ConfigKeys.REPLICATION_KEY_FILE),
                r.optionalFile(ConfigKeys.REPLICATION_CA_FILE),
                r.positiveInt(ConfigKeys.REPLICATION_MAX_BATCH_BYTES),
                r.urls(ConfigKeys.REPLICATION_LEADER_API_ADDRESS),
                leaderApiTls(r));
        if ((replication.certFile() == null) != (replication.keyFile() == null)) {
            throw new ConfigException(ConfigKeys.REPLICATION_CERT_FILE.name() + " and "
                    + ConfigKeys.REPLICATION_KEY_FILE.name() + " must be set together");
        }
        if (follower && replication.leaderApi().isEmpty()) {
            throw new ConfigException(ConfigKeys.REPLICATION_LEADER_API_ADDRESS.name()
                    + ": a follower node needs the leader cluster's API address to forward writes to");
        }
        return new NodeConfig(
                api,
                advertise.isBlank() ? api.url() : advertise,
                r.plainUrl(ConfigKeys.REST_ADDRESS),
                raft,
                nodeId,
                Collections.unmodifiableMap(new LinkedHashMap<>(members)),
                r.path(ConfigKeys.RAFT_NODE_HOST_DIR),
                r.path(ConfigKeys.RAFT_STATE_MACHINE_DIR),
                r.positiveLong(ConfigKeys.RAFT_SNAPSHOT_ENTRIES),
                r.nonNegativeLong(ConfigKeys.RAFT_LOG_RETAINED_ENTRIES),
                r.positiveLong(ConfigKeys.RAFT_LOG_SEGMENT_SIZE),
                r.positiveLong(ConfigKeys.RAFT_ELECTION_TIMEOUT_MS),
                r.positiveInt(ConfigKeys.RAFT_MAX_BATCH_BYTES),
                r.positiveInt(ConfigKeys.RAFT_MAX_IN_FLIGHT),
                r.positiveInt(ConfigKeys.RAFT_MAX_RELAYS_IN_FLIGHT),
                r.nonNegativeLong(ConfigKeys.RAFT_PROPOSAL_HOLD_MS),
                r.bool(ConfigKeys.STORAGE_DURABLE_WRITES),
                r.nonNegativeLong(ConfigKeys.STORAGE_CACHE_SIZE),
                r.nonNegativeLong(ConfigKeys.STORAGE_BACKGROUND_SYNC_BYTES),
                r.positiveLong(ConfigKeys.COMPACTION_RETENTION),
                r.positiveLong(ConfigKeys.COMPACTION_INTERVAL_MS),
                r.string(ConfigKeys.CLUSTER_NAME),
                nodeName.isBlank() ? raft.hostPort() : nodeName,
                r.positiveInt(ConfigKeys.MAX_KEY_SIZE),
                r.positiveInt(ConfigKeys.MAX_VALUE_SIZE),
                r.positiveInt(ConfigKeys.MAX_RECV_MESSAGE_SIZE),
                r.positiveLong(ConfigKeys.DEFAULT_TIMEOUT_MS),
                follower,
                replication,
                ApiTls.read(r, api),
                ApiLimits.from(r)).validated();
    }

    private static TlsFiles leaderApiTls(ConfigReader r) {
        Path cert = r.optionalFile(ConfigKeys.REPLICATION_LEADER_CERT_FILE);
        Path key = r.optionalFile(ConfigKeys.REPLICATION_LEADER_KEY_FILE);
        if ((cert == null) != (key == null)) {
            throw new ConfigException(ConfigKeys.REPLICATION_LEADER_CERT_FILE.name() + " and "
                    + ConfigKeys.REPLICATION_LEADER_KEY_FILE.name() + " must be set together");
        }
        return TlsFiles.of(ConfigKeys.REPLICATION_LEADER_CERT_FILE.name(), cert,
                ConfigKeys.REPLICATION_LEADER_KEY_FILE.name(), key,
                ConfigKeys.REPLICATION_LEADER_CA_FILE.name(), r.optionalFile(ConfigKeys.REPLICATION_LEADER_CA_FILE));
    }
}
