package io.armadakv.replicator;

import io.armadakv.node.config.ConfigException;
import io.armadakv.node.config.ConfigLayers;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The replicator's configuration, read through the same layers as in production. */
class ReplicatorConfigTest {

    private static ReplicatorConfig read(Map<String, String> env, String... flags) {
        ConfigSource[] layers = ConfigLayers.replicator(env, Path.of("").toAbsolutePath()).sources(List.of(flags))
                .toArray(ConfigSource[]::new);
        Config config = ConfigProviderResolver.instance().getBuilder().withSources(layers).build();
        return ReplicatorConfig.from(config);
    }

    private static Path example() {
        return Path.of("").toAbsolutePath().getParent().resolve("etc").resolve("replicator.yaml");
    }

    @Test
    void theExampleFileConfiguresAReplicator() {
        ReplicatorConfig c = read(Map.of(), "--config=" + example());
        assertEquals("127.0.0.1:8444", c.leaderAddresses().getFirst().hostPort());
        assertEquals("http://127.0.0.1:9443", c.followerAddresses().getFirst().url());
        assertTrue(c.insecureSkipVerify());
        assertEquals(10_000, c.leaseTtlMs());
        assertEquals(3_000, c.pollIntervalMs());
        assertEquals("http://127.0.0.1:8089", c.rest().url());
    }

    @Test
    void theEnvironmentAndFlagsOverrideTheFile() {
        ReplicatorConfig c = read(Map.of("REPLICATION_LEASE_TTL", "6000"), "--config=" + example(),
                "--replication.replicator-id=r7");
        assertEquals(6_000, c.leaseTtlMs());
        assertEquals("r7", c.id());
    }

    @Test
    void aReplicatorThatCannotVerifyTheLeaderDoesNotStart() {
        ConfigException e = assertThrows(ConfigException.class, () -> read(Map.of(), "--config=" + example(),
                "--replication.insecure-skip-verify=false"));
        assertTrue(e.getMessage().startsWith("replication.ca-file: needed to verify"), e.getMessage());
    }

    @Test
    void aFollowerClientCertificateNeedsItsKeyAndRestStaysPlain() {
        ConfigException half = assertThrows(ConfigException.class, () -> read(Map.of(), "--config=" + example(),
                "--replication.follower-cert-file=" + example()));
        assertEquals("replication.follower-cert-file and replication.follower-key-file must be set together",
                half.getMessage());
        ConfigException rest = assertThrows(ConfigException.class, () -> read(Map.of(), "--config=" + example(),
                "--rest.address=https://127.0.0.1:8089"));
        assertTrue(rest.getMessage().startsWith("rest.address: serves plain HTTP only"), rest.getMessage());
        ReplicatorConfig tls = read(Map.of(), "--config=" + example(),
                "--replication.follower-address=https://localhost:9443", "--replication.follower-ca-file=" + example());
        assertTrue(tls.followerAddresses().getFirst().tls());
        assertEquals(example().toAbsolutePath().normalize(), tls.followerTls().ca().path());
    }
}
