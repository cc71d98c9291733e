package io.armadakv.node.config;

import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeConfigTest {

    private static NodeConfig parse(String... flags) {
        var cli = CommandLineConfigSource.parse(List.of(flags));
        return NodeConfig.from(ConfigProviderResolver.instance().getBuilder().withSources(cli).build());
    }

    private static String error(String... flags) {
        return assertThrows(ConfigException.class, () -> parse(flags)).getMessage();
    }

    @Test
    void defaultsAreASingleLocalNodeOnTheDocumentedPorts() {
        NodeConfig c = parse();
        assertEquals("http://127.0.0.1:8443", c.api().url());
        assertEquals(8079, c.rest().port());
        assertEquals("127.0.0.1:5012", c.raftAddress().hostPort());
        assertEquals(1, c.nodeId());
        assertEquals(Map.of(1L, c.raftAddress()), c.initialMembers());
        assertEquals(Path.of("armada-data/raft").toAbsolutePath(), c.nodeHostDir());
        assertEquals(Path.of("armada-data/tables").toAbsolutePath(), c.stateMachineDir());
        assertEquals("http://127.0.0.1:8443", c.apiAdvertiseAddress());
        assertEquals("127.0.0.1:5012", c.nodeName());
    }

    @Test
    void flagsSetEveryAddressAndTheMembers() {
        NodeConfig c = parse("--api.address=http://0.0.0.0:9443", "--rest.address=http://127.0.0.1:9079",
                "--raft.address=10.1.2.3:6000", "--raft.node-id=2",
                "--raft.initial-members=1=10.1.2.2:6000,2=10.1.2.3:6000,3=10.1.2.4:6000",
                "--raft.node-host-dir=/var/lib/armada/raft", "--raft.state-machine-dir=/var/lib/armada/tables");
        assertEquals("0.0.0.0", c.api().host());
        assertEquals(9443, c.api().port());
        assertEquals(9079, c.rest().port());
        assertEquals(2, c.nodeId());
        assertEquals(3, c.initialMembers().size());
        assertEquals("10.1.2.4:6000", c.initialMembers().get(3L).hostPort());
        assertEquals(Path.of("/var/lib/armada/raft"), c.nodeHostDir());
    }

    @Test
    void unknownKeysAreRefusedWithASuggestion() {
        String m = assertThrows(ConfigException.class,
                () -> CommandLineConfigSource.parse(List.of("--raft.adress=1.2.3.4:5"))).getMessage();
        assertTrue(m.contains("raft.adress"), m);
        assertTrue(m.contains("did you mean 'raft.address'"), m);
        assertTrue(assertThrows(ConfigException.class, () -> CommandLineConfigSource.parse(List.of("leader")))
                .getMessage().contains("--key=value"));
    }

    @Test
    void apiLimitsHaveEtcdLikeDefaultsAndZeroMeansUnlimitedOnlyWhereDocumented() {
        NodeConfig.ApiLimits d = parse().apiLimits();
        assertEquals(new NodeConfig.ApiLimits(128, 4 * 1024 * 1024, 0, 0, 10_000, 64L * 1024 * 1024), d);
        NodeConfig.ApiLimits set = parse("--api.max-txn-ops=7", "--api.max-concurrent-connections=100",
                "--api.max-concurrent-streams=50", "--api.max-pending-writes=3", "--api.max-pending-write-bytes=4096",
                "--api.max-send-message-size=8388608").apiLimits();
        assertEquals(new NodeConfig.ApiLimits(7, 8 * 1024 * 1024, 100, 50, 3, 4096), set);
        assertTrue(error("--api.max-txn-ops=0").startsWith("api.max-txn-ops:"));
        assertTrue(error("--api.max-concurrent-connections=-1").startsWith("api.max-concurrent-connections:"));
        assertTrue(error("--api.max-pending-writes=0").startsWith("api.max-pending-writes:"));
        assertTrue(error("--api.max-send-message-size=1048576").startsWith("api.max-send-message-size:"));
    }

    @Test
    void writeBatchingSettingsHaveTheirDefaultsAndRefuseZeroWindows() {
        NodeConfig d = parse();
        assertEquals(1, d.maxInFlightProposals());
        assertEquals(1, d.maxRelaysInFlight());
        assertEquals(2, d.proposalHoldMs());
        NodeConfig set = parse("--raft.max-in-flight-proposals=3", "--raft.max-relays-in-flight=4",
                "--raft.proposal-hold=0");
        assertEquals(3, set.maxInFlightProposals());
        assertEquals(4, set.maxRelaysInFlight());
        assertEquals(0, set.proposalHoldMs());
        assertTrue(error("--raft.max-relays-in-flight=0").startsWith("raft.max-relays-in-flight:"));
        assertTrue(error("--raft.max-in-flight-proposals=0").startsWith("raft.max-in-flight-proposals:"));
    }

    /** The stores' shared page cache: Xodus' share of the heap unless sized, and never beyond the heap. */
    @Test
    void storageCacheSizeIsBoundedByTheHeap() {
        assertEquals(0, parse().storeCacheBytes());
        assertEquals(64L << 20, parse("--storage.cache-size=" + (64L << 20)).storeCacheBytes());
        String small = error("--storage.cache-size=65536");
        assertTrue(small.startsWith("storage.cache-size: 65536 bytes is outside 1 MiB (1048576) to the maximum heap"), small);
        long heap = Runtime.getRuntime().maxMemory();
        String large = error("--storage.cache-size=" + heap);
        assertTrue(large.startsWith("storage.cache-size: " + heap + " bytes is outside"), large);
        assertTrue(error("--storage.cache-size=-1").startsWith("storage.cache-size: must not be negative"));
    }

    /** The open segment's entries stay on the heap, so the default is small; it must still hold two of the largest entries. */
    @Test
    void logSegmentsAre8MiBAndMustHoldTwoOfTheLargestEntries() {
        NodeConfig d = parse();
        assertEquals(8L << 20, d.logSegmentSize());
        assertTrue(2 * d.maxEntryBytes() <= d.logSegmentSize(), "the defaults fit: " + d.maxEntryBytes());
        String m = error("--api.max-value-size=" + (4 << 20));
        assertTrue(m.startsWith("raft.log-segment-size: 8388608 bytes cannot hold two of the largest Raft entries")
                && m.contains("api.max-value-size"), m);
        NodeConfig larger = parse("--api.max-value-size=" + (4 << 20), "--raft.log-segment-size=" + (16 << 20));
        assertEquals(16L << 20, larger.logSegmentSize());
        assertEquals(4 << 20, larger.maxValueSize());
    }

    @Test
    void badValuesNameTheirKey() {
        assertTrue(error("--api.address=127.0.0.1:8443").startsWith("api.address:"));
        assertTrue(error("--api.address=http://127.0.0.1").startsWith("api.address:"));
        assertTrue(error("--raft.address=localhost").startsWith("raft.address:"));
        assertTrue(error("--raft.address=localhost:99999").startsWith("raft.address:"));
        assertTrue(error("--raft.node-id=x").startsWith("raft.node-id:"));
        assertTrue(error("--raft.node-id=0").startsWith("raft.node-id:"));
        assertTrue(error("--raft.initial-members=1=a:1,1=b:2").startsWith("raft.initial-members:"));
        assertTrue(error("--raft.initial-members=2=a:1").contains("does not list this node's id 1"));
        assertTrue(error("--storage.durable-writes=maybe").startsWith("storage.durable-writes:"));
        assertTrue(error("--api.max-key-size=-1").startsWith("api.max-key-size:"));
    }

    @Test
    void tlsSettingsThatCannotWorkNameTheirKeys() throws Exception {
        Path file = java.nio.file.Files.createTempFile("armada-tls", ".pem");
        try {
            assertEquals("api.address: https:// needs api.cert-filename and api.key-filename",
                    error("--api.address=https://127.0.0.1:8443"));
            assertTrue(error("--api.cert-filename=" + file, "--api.key-filename=" + file)
                    .contains("is plaintext, yet TLS is configured"));
            assertEquals("api.client-cert-auth: needs api.ca-filename, the CA client certificates must chain to",
                    error("--api.address=https://127.0.0.1:8443", "--api.cert-filename=" + file,
                            "--api.key-filename=" + file, "--api.client-cert-auth=true"));
            assertTrue(error("--api.address=https://127.0.0.1:8443", "--api.cert-filename=" + file,
                    "--api.key-filename=" + file, "--api.allowed-cn=x").contains("set api.client-cert-auth=true"));
            assertEquals("api.cert-filename: cannot read /nonexistent/cert.pem",
                    error("--api.address=https://127.0.0.1:8443", "--api.cert-filename=/nonexistent/cert.pem",
                            "--api.key-filename=" + file));
            assertTrue(error("--rest.address=https://127.0.0.1:8079").startsWith("rest.address: serves plain HTTP only"));

            NodeConfig tls = parse("--api.address=https://127.0.0.1:8443", "--api.cert-filename=" + file,
                    "--api.key-filename=" + file, "--api.client-cert-auth=true", "--api.ca-filename=" + file,
                    "--api.allowed-cn=replicator");
            assertTrue(tls.api().tls());
            assertTrue(tls.apiTls().clientCertAuth());
            assertEquals("replicator", tls.apiTls().allowedCn());
            assertEquals("api.ca-filename", tls.apiTls().files().ca().key());
        } finally {
            java.nio.file.Files.delete(file);
        }
    }
}
