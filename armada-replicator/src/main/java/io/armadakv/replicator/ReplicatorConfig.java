package io.armadakv.replicator;

import io.armadakv.node.config.ConfigException;
import io.armadakv.node.config.ConfigKey;
import io.armadakv.node.config.ConfigKeys;
import io.armadakv.node.config.ConfigReader;
import io.armadakv.node.config.Endpoint;
import org.eclipse.microprofile.config.Config;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static io.armadakv.node.config.ConfigKey.Type.BOOLEAN;
import static io.armadakv.node.config.ConfigKey.Type.DURATION_MS;
import static io.armadakv.node.config.ConfigKey.Type.STRING;

/** The typed configuration of one replicator process, read once from MicroProfile Config. */
public record ReplicatorConfig(
        List<Endpoint> leaderAddresses,
        List<Endpoint> followerAddresses,
        Path caFile,
        Path certFile,
        Path keyFile,
        boolean insecureSkipVerify,
        long pollIntervalMs,
        long reconcileIntervalMs,
        long leaseTtlMs,
        String id) {

    public static final ConfigKey LEADER_ADDRESS = ConfigKey.of("replication.leader-address", STRING, "",
            "QUIC address(es) host:port of leader-cluster nodes' replication endpoints, comma-separated");
    public static final ConfigKey FOLLOWER_ADDRESS = ConfigKey.of("replication.follower-address", STRING, "",
            "API URL(s) of the local follower cluster's nodes, comma-separated");
    public static final ConfigKey CA_FILE = ConfigKey.of("replication.ca-file", STRING, "",
            "PEM CA certificates that signed the leader's replication certificate");
    public static final ConfigKey CERT_FILE = ConfigKey.of("replication.cert-file", STRING, "",
            "PEM client certificate chain, for a leader that requires mutual TLS");
    public static final ConfigKey KEY_FILE = ConfigKey.of("replication.key-file", STRING, "",
            "PEM (PKCS#8) private key of replication.cert-file");
    public static final ConfigKey INSECURE_SKIP_VERIFY = ConfigKey.of("replication.insecure-skip-verify", BOOLEAN,
            "false", "Do not verify the leader's certificate: development only (the leader's generated certificate)");
    public static final ConfigKey POLL_INTERVAL = ConfigKey.of("replication.poll-interval", DURATION_MS, "5000",
            "How long a caught-up table's request waits on the leader for new writes (a long poll), in "
                    + "milliseconds, at most a third of replication.lease-ttl; a table that is behind asks again at once");
    public static final ConfigKey RECONCILE_INTERVAL = ConfigKey.of("replication.reconcile-interval", DURATION_MS,
            "5000", "How often the local table set is made equal to the leader's, in milliseconds");
    public static final ConfigKey LEASE_TTL = ConfigKey.of("replication.lease-ttl", DURATION_MS, "10000",
            "How long a replicator's claim on a table lasts without renewal, in milliseconds; "
                    + "another replicator takes a table over after it");
    public static final ConfigKey ID = ConfigKey.of("replication.replicator-id", STRING, "",
            "Name this replicator holds table leases under (default: a random id per start)");
    public static final List<ConfigKey> ALL = List.of(LEADER_ADDRESS, FOLLOWER_ADDRESS, CA_FILE, CERT_FILE, KEY_FILE,
            INSECURE_SKIP_VERIFY, POLL_INTERVAL, RECONCILE_INTERVAL, LEASE_TTL, ID, ConfigKeys.LOG_LEVEL,
            ConfigKeys.LOG_LIBRARIES_LEVEL, ConfigKeys.LOG_FORMAT);

    public static ReplicatorConfig from(Config config) {
        ConfigReader r = new ConfigReader(config);
        List<Endpoint> leaders = r.hostPorts(LEADER_ADDRESS);
        if (leaders.isEmpty()) {
            throw new ConfigException(LEADER_ADDRESS.name() + ": must name at least one leader node, like 127.0.0.1:8444");
        }
        List<Endpoint> followers = r.urls(FOLLOWER_ADDRESS);
        if (followers.isEmpty()) {
            throw new ConfigException(FOLLOWER_ADDRESS.name()
                    + ": must name at least one follower node, like http://127.0.0.1:9443");
        }
        Path ca = r.optionalFile(CA_FILE);
        Path cert = r.optionalFile(CERT_FILE);
        Path key = r.optionalFile(KEY_FILE);
        if ((cert == null) != (key == null)) {
            throw new ConfigException(CERT_FILE.name() + " and " + KEY_FILE.name() + " must be set together");
        }
        boolean insecure = r.bool(INSECURE_SKIP_VERIFY);
        if (ca == null && !insecure) {
            throw new ConfigException(CA_FILE.name() + ": needed to verify the leader's certificate; for a leader "
                    + "with its generated development certificate set " + INSECURE_SKIP_VERIFY.name() + "=true");
        }
        String id = r.string(ID);
        return new ReplicatorConfig(leaders, followers, ca, cert, key, insecure, r.positiveLong(POLL_INTERVAL),
                r.positiveLong(RECONCILE_INTERVAL), r.positiveLong(LEASE_TTL),
                id.isBlank() ? "replicator-" + UUID.randomUUID().toString().substring(0, 8) : id);
    }
}
