package io.armadakv.replicator;

import io.armadakv.node.config.ConfigException;
import io.armadakv.node.config.ConfigReader;
import io.armadakv.node.config.Endpoint;
import io.armadakv.node.config.TlsFiles;
import org.eclipse.microprofile.config.Config;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static io.armadakv.node.config.ReplicatorKeys.CA_FILE;
import static io.armadakv.node.config.ReplicatorKeys.CERT_FILE;
import static io.armadakv.node.config.ReplicatorKeys.FOLLOWER_CA_FILE;
import static io.armadakv.node.config.ReplicatorKeys.FOLLOWER_CERT_FILE;
import static io.armadakv.node.config.ReplicatorKeys.FOLLOWER_KEY_FILE;
import static io.armadakv.node.config.ReplicatorKeys.FOLLOWER_ADDRESS;
import static io.armadakv.node.config.ReplicatorKeys.ID;
import static io.armadakv.node.config.ReplicatorKeys.INSECURE_SKIP_VERIFY;
import static io.armadakv.node.config.ReplicatorKeys.KEY_FILE;
import static io.armadakv.node.config.ReplicatorKeys.LEADER_ADDRESS;
import static io.armadakv.node.config.ReplicatorKeys.LEASE_TTL;
import static io.armadakv.node.config.ReplicatorKeys.POLL_INTERVAL;
import static io.armadakv.node.config.ReplicatorKeys.RECONCILE_INTERVAL;

/** The typed configuration of one replicator process, read once from MicroProfile Config; keys in ReplicatorKeys. */
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
        String id,
        Endpoint rest,
        String token,
        TlsFiles followerTls) {

    /** Never prints the token. */
    @Override
    public String toString() {
        return "ReplicatorConfig[leaders=" + leaderAddresses + ", followers=" + followerAddresses + ", id=" + id + "]";
    }

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
                id.isBlank() ? "replicator-" + UUID.randomUUID().toString().substring(0, 8) : id,
                r.plainUrl(io.armadakv.node.config.ReplicatorKeys.REST_ADDRESS),
                r.string(io.armadakv.node.config.ReplicatorKeys.TOKEN),
                followerTls(r));
    }

    private static TlsFiles followerTls(ConfigReader r) {
        Path cert = r.optionalFile(FOLLOWER_CERT_FILE);
        Path key = r.optionalFile(FOLLOWER_KEY_FILE);
        if ((cert == null) != (key == null)) {
            throw new ConfigException(FOLLOWER_CERT_FILE.name() + " and " + FOLLOWER_KEY_FILE.name()
                    + " must be set together");
        }
        return TlsFiles.of(FOLLOWER_CERT_FILE.name(), cert, FOLLOWER_KEY_FILE.name(), key,
                FOLLOWER_CA_FILE.name(), r.optionalFile(FOLLOWER_CA_FILE));
    }
}
