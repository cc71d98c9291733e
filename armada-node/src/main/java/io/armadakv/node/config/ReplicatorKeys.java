package io.armadakv.node.config;

import java.util.List;

import static io.armadakv.node.config.ConfigKey.Type.BOOLEAN;
import static io.armadakv.node.config.ConfigKey.Type.DURATION_MS;
import static io.armadakv.node.config.ConfigKey.Type.HOST_PORTS;
import static io.armadakv.node.config.ConfigKey.Type.STRING;
import static io.armadakv.node.config.ConfigKey.Type.URL;
import static io.armadakv.node.config.ConfigKey.Type.URLS;

/**
 * Every key an Armada replicator understands. Declared beside the node's keys, not in the
 * replicator module, so one generator documents both processes.
 */
public final class ReplicatorKeys {

    public static final ConfigKey LEADER_ADDRESS = ConfigKey.of("replication.leader-address", HOST_PORTS, "",
            "QUIC address(es) host:port of leader-cluster nodes' replication endpoints, comma-separated");
    public static final ConfigKey FOLLOWER_ADDRESS = ConfigKey.of("replication.follower-address", URLS, "",
            "API URL(s) of the local follower cluster's nodes, comma-separated; https:// for TLS");
    public static final ConfigKey CA_FILE = ConfigKey.of("replication.ca-file", STRING, "",
            "PEM CA certificates that signed the leader's replication certificate");
    public static final ConfigKey CERT_FILE = ConfigKey.of("replication.cert-file", STRING, "",
            "PEM client certificate chain, for a leader that requires mutual TLS");
    public static final ConfigKey KEY_FILE = ConfigKey.of("replication.key-file", STRING, "",
            "PEM (PKCS#8) private key of replication.cert-file");
    // TLS towards the follower cluster's API (https:// in replication.follower-address)
    public static final ConfigKey FOLLOWER_CA_FILE = ConfigKey.of("replication.follower-ca-file", STRING, "",
            "PEM CA certificates that signed an https:// follower API's certificate (default: the JDK's CAs)");
    public static final ConfigKey FOLLOWER_CERT_FILE = ConfigKey.of("replication.follower-cert-file", STRING, "",
            "PEM client certificate chain presented to a follower API with api.client-cert-auth");
    public static final ConfigKey FOLLOWER_KEY_FILE = ConfigKey.of("replication.follower-key-file", STRING, "",
            "PEM (PKCS#8) private key of replication.follower-cert-file");
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
    public static final ConfigKey REST_ADDRESS = ConfigKey.of("rest.address", URL, "http://127.0.0.1:8089",
            "HTTP listen URL of the replicator's /metrics (Prometheus text) and /health/live");

    public static final ConfigKey TOKEN = ConfigKey.secret("replication.token",
            "Bearer token presented to the follower nodes (their replication.token); empty: none");

    // the log keys are the node's: one meaning, one description
    private static final List<ConfigKey> ALL = List.of(LEADER_ADDRESS, FOLLOWER_ADDRESS, CA_FILE, CERT_FILE,
            KEY_FILE, FOLLOWER_CA_FILE, FOLLOWER_CERT_FILE, FOLLOWER_KEY_FILE, INSECURE_SKIP_VERIFY, POLL_INTERVAL,
            RECONCILE_INTERVAL, LEASE_TTL, ID, REST_ADDRESS, TOKEN,
            ConfigKeys.LOG_LEVEL,
            ConfigKeys.LOG_LIBRARIES_LEVEL, ConfigKeys.LOG_FORMAT);

    private ReplicatorKeys() {
    }

    public static List<ConfigKey> all() {
        return ALL;
    }
}
