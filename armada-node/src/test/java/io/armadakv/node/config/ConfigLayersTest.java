package io.armadakv.node.config;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLayersTest {

    @TempDir
    Path tmp;

    private Path dir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name));
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private static Config config(List<ConfigSource> sources) {
        return ConfigProviderResolver.instance().getBuilder().withSources(sources.toArray(ConfigSource[]::new)).build();
    }

    private static Config node(List<Path> dirs, Map<String, String> env, String... args) {
        return config(new ConfigLayers("armada", ConfigKeys.settable(), dirs, env).sources(List.of(args)));
    }

    private static String raft(Config c) {
        return new ConfigReader(c).string(ConfigKeys.RAFT_ADDRESS);
    }

    private static String error(List<Path> dirs, Map<String, String> env, String... args) {
        return assertThrows(ConfigException.class, () -> node(dirs, env, args)).getMessage();
    }

    @Test
    void envBeatsFileAndFlagBeatsEnv() throws IOException {
        Path d = dir("cwd");
        write(d.resolve("armada.yaml"), "raft:\n  address: 10.0.0.1:1\n");
        assertEquals("10.0.0.1:1", raft(node(List.of(d), Map.of())));
        assertEquals("10.0.0.2:2", raft(node(List.of(d), Map.of("RAFT_ADDRESS", "10.0.0.2:2"))));
        assertEquals("10.0.0.3:3", raft(node(List.of(d), Map.of("RAFT_ADDRESS", "10.0.0.2:2"),
                "--raft.address=10.0.0.3:3")));
        assertEquals("10.0.0.3:3", raft(node(List.of(d), Map.of(), "--raft.address=10.0.0.3:3")));
    }

    @Test
    void aLaterSearchDirectoryBeatsAnEarlierOne() throws IOException {
        List<Path> dirs = List.of(dir("etc"), dir("config"), dir("home"), dir("cwd"));
        for (int i = 0; i < dirs.size(); i++) {
            write(dirs.get(i).resolve("armada.yaml"), "raft.address: 10.0.0." + i + ":1\n");
        }
        assertEquals("10.0.0.3:1", raft(node(dirs, Map.of())));
        for (int i = dirs.size() - 1; i > 0; i--) {
            Files.delete(dirs.get(i).resolve("armada.yaml"));
            assertEquals("10.0.0." + (i - 1) + ":1", raft(node(dirs, Map.of())));
        }
    }

    @Test
    void explicitConfigBeatsEverySearchedFileButNotEnvOrFlags() throws IOException {
        Path cwd = dir("cwd");
        write(cwd.resolve("armada.yaml"), "raft.address: 10.0.0.1:1\nlog.level: FINE\n");
        Path explicit = write(tmp.resolve("other/mine.toml"), "[raft]\naddress = \"10.0.0.9:9\"\n");
        Config c = node(List.of(cwd), Map.of(), "--config=" + explicit);
        assertEquals("10.0.0.9:9", raft(c));
        assertEquals("FINE", new ConfigReader(c).string(ConfigKeys.LOG_LEVEL), "the searched file still counts");
        assertEquals("10.0.0.2:2", raft(node(List.of(cwd), Map.of("RAFT_ADDRESS", "10.0.0.2:2"),
                "--config=" + explicit)));
        assertEquals("10.0.0.3:3", raft(node(List.of(cwd), Map.of(), "--config=" + explicit,
                "--raft.address=10.0.0.3:3")));
    }

    @Test
    void everyFormatGivesNestedKeysAndLists() throws IOException {
        Map<String, String> files = Map.of(
                "armada.yaml", """
                        raft:
                          address: 10.0.0.1:5012   # nested
                          node-id: 2
                          initial-members: [1=10.0.0.0:5012, 2=10.0.0.1:5012]
                        storage.durable-writes: true
                        """,
                "armada.yml", """
                        raft:
                          address: 10.0.0.1:5012
                          node-id: 2
                          initial-members:
                            - 1=10.0.0.0:5012
                            - 2=10.0.0.1:5012
                        storage:
                          durable-writes: yes
                        """,
                "armada.json", """
                        {"raft": {"address": "10.0.0.1:5012", "node-id": 2,
                                  "initial-members": ["1=10.0.0.0:5012", "2=10.0.0.1:5012"]},
                         "storage": {"durable-writes": true}}
                        """,
                "armada.toml", """
                        storage.durable-writes = true
                        [raft]
                        address = "10.0.0.1:5012"
                        node-id = 2
                        initial-members = ["1=10.0.0.0:5012", "2=10.0.0.1:5012"]
                        """);
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path d = dir(f.getKey().replace('.', '-'));
            write(d.resolve(f.getKey()), f.getValue());
            Config c = node(List.of(d), Map.of());
            ConfigReader r = new ConfigReader(c);
            assertEquals("1=10.0.0.0:5012,2=10.0.0.1:5012", r.string(ConfigKeys.RAFT_INITIAL_MEMBERS), f.getKey());
            NodeConfig n = NodeConfig.from(c);
            assertEquals("10.0.0.1:5012", n.raftAddress().hostPort(), f.getKey());
            assertEquals(2, n.nodeId(), f.getKey());
            assertEquals(2, n.initialMembers().size(), f.getKey());
            assertTrue(n.durableWrites(), f.getKey());
            String path = d.resolve(f.getKey()).toAbsolutePath().normalize().toString();
            assertTrue(java.util.stream.StreamSupport.stream(c.getConfigSources().spliterator(), false)
                    .anyMatch(s -> s.getName().equals(path)), "a file source is named by its path");
        }
    }

    @Test
    void badFilesStopWithTheFileAndTheLine() throws IOException {
        Path yaml = write(tmp.resolve("bad.yaml"), "raft:\n  address: [1, 2\napi: x\n");
        String m = error(List.of(), Map.of(), "--config=" + yaml);
        assertTrue(m.startsWith(yaml + ":"), m);
        assertTrue(m.matches(".*bad\\.yaml:\\d+: not valid YAML: .*"), m);
        assertEquals(1, m.lines().count(), m);

        Path json = write(tmp.resolve("bad.json"), "{\n  \"raft\": {\n    \"address\": \n}\n");
        m = error(List.of(), Map.of(), "--config=" + json);
        assertTrue(m.startsWith(json + ":4: not valid JSON"), m);

        Path toml = write(tmp.resolve("bad.toml"), "[raft]\naddress = 10.0.0.1:5012\n");
        m = error(List.of(), Map.of(), "--config=" + toml);
        assertTrue(m.startsWith(toml + ":2: not valid TOML"), m);
        assertEquals(1, m.lines().count(), m);

        Path missing = tmp.resolve("nowhere.yaml");
        m = error(List.of(), Map.of(), "--config=" + missing);
        assertTrue(m.contains(missing.toString()) && m.contains("does not exist"), m);

        Path ini = write(tmp.resolve("armada.ini"), "raft.address=1");
        assertTrue(error(List.of(), Map.of(), "--config=" + ini).contains("unknown configuration format '.ini'"));
        assertTrue(error(List.of(), Map.of(), "--config=").contains("--config=FILE"));

        Path list = write(tmp.resolve("list.yaml"), "raft.address: [a:1, b:2]\n");
        assertTrue(error(List.of(), Map.of(), "--config=" + list).endsWith("raft.address takes one value, not a list"));
    }

    @Test
    void unknownKeysInFilesAndEnvironmentAreRefusedWithASuggestion() throws IOException {
        Path d = dir("cwd");
        Path f = write(d.resolve("armada.json"), "{\"raft\": {\"adress\": \"1.2.3.4:5\"}}");
        String m = error(List.of(d), Map.of());
        assertEquals(f.toAbsolutePath() + ": unknown configuration key 'raft.adress' (did you mean 'raft.address'?)", m);
        Files.delete(f);

        m = error(List.of(d), Map.of("RAFT_ADRESS", "1.2.3.4:5"));
        assertEquals("environment variable RAFT_ADRESS is not a configuration key "
                + "(did you mean RAFT_ADDRESS for 'raft.address'?)", m);
        // not ours: other programs' variables, and the launcher's own ARMADA_*
        node(List.of(d), Map.of("PATH", "/bin", "ARMADA_SKIP_BUILD", "1", "RAFTERS", "x"));
        // the command, not the environment, sets the role
        assertTrue(error(List.of(d), Map.of("ARMADA_ROLE", "follower", "REST_ROLE", "x")).contains("REST_ROLE"));
    }

    @Test
    void twoFilesInOneDirectoryAreAmbiguous() throws IOException {
        Path d = dir("cwd");
        write(d.resolve("armada.yaml"), "log.level: INFO\n");
        write(d.resolve("armada.toml"), "log.level = \"INFO\"\n");
        assertTrue(error(List.of(d), Map.of()).contains("keep one"));
    }

    @Test
    void environmentSpellsKeysInUpperCaseWithUnderscores() {
        Config c = node(List.of(), Map.of("API_MAX_KEY_SIZE", "77", "RAFT_INITIAL_MEMBERS", "1=a:1,2=b:2"));
        assertEquals(77, NodeConfig.from(c).maxKeySize());
        assertEquals(2, NodeConfig.from(c).initialMembers().size());
        assertEquals("API_MAX_KEY_SIZE", ConfigKeys.MAX_KEY_SIZE.envName());
        assertEquals(ConfigKeys.settable().size(), ConfigKeys.settable().stream().map(ConfigKey::envName)
                .distinct().count(), "two keys must not share an environment variable");
    }

    @Test
    void productionSearchesTheDocumentedDirectoriesInOrder() {
        Path cwd = Path.of("/srv/work");
        assertEquals(List.of(Path.of("/etc/armada"), Path.of("/config"), Path.of("/home/u/.armada"), cwd),
                ConfigLayers.searchDirs(Map.of("HOME", "/home/u"), cwd));
    }

    @Test
    void noFilesNoEnvironmentNoFlagsIsTheDefaultSingleNode() {
        NodeConfig c = NodeConfig.from(node(List.of(), Map.of()));
        assertEquals("127.0.0.1:5012", c.raftAddress().hostPort());
    }

    private static Path example(String name) {
        return Path.of("").toAbsolutePath().getParent().resolve("etc").resolve(name);
    }

    private static NodeConfig exampleNode(String file, String role) {
        List<ConfigSource> sources = new ArrayList<>(new ConfigLayers("armada", ConfigKeys.settable(), List.of(),
                Map.of()).sources(List.of("--config=" + example(file))));
        sources.add(new MapConfigSource("command", 600, Map.of(ConfigKeys.ROLE.name(), role)));
        return NodeConfig.from(config(sources));
    }

    @Test
    void theExampleFilesLoad() {
        NodeConfig leader = exampleNode("leader.yaml", "leader");
        assertEquals("127.0.0.1:8444", leader.replication().address().hostPort());
        assertEquals("leader", leader.clusterName());
        NodeConfig follower = exampleNode("follower.yaml", "follower");
        assertTrue(follower.follower());
        assertEquals("http://127.0.0.1:8443", follower.replication().leaderApi().get(0).url());
        Config replicator = config(new ConfigLayers("armada-replicator", ReplicatorKeys.all(), List.of(), Map.of())
                .sources(List.of("--config=" + example("replicator.yaml"))));
        ConfigReader r = new ConfigReader(replicator);
        assertEquals("127.0.0.1:8444", r.hostPorts(ReplicatorKeys.LEADER_ADDRESS).get(0).hostPort());
        assertEquals("http://127.0.0.1:9443", r.urls(ReplicatorKeys.FOLLOWER_ADDRESS).get(0).url());
        assertTrue(r.bool(ReplicatorKeys.INSECURE_SKIP_VERIFY));
    }

    @Test
    void theReplicatorHasItsOwnFileNameAndKeys() throws IOException {
        Path d = dir("cwd");
        write(d.resolve("armada.yaml"), "raft.address: 10.0.0.1:1\n");
        write(d.resolve("armada-replicator.yml"), "replication:\n  leader-address: [a:1, b:2]\n");
        ConfigLayers replicator = new ConfigLayers("armada-replicator", ReplicatorKeys.all(), List.of(d), Map.of(
                "REPLICATION_LEASE_TTL", "9000", "RAFT_ADDRESS", "ignored:1"));
        ConfigReader r = new ConfigReader(config(replicator.sources(List.of("--replication.poll-interval=7"))));
        assertEquals(2, r.hostPorts(ReplicatorKeys.LEADER_ADDRESS).size());
        assertEquals(9000, r.positiveLong(ReplicatorKeys.LEASE_TTL));
        assertEquals(7, r.positiveLong(ReplicatorKeys.POLL_INTERVAL));
        assertThrows(ConfigException.class, () -> replicator.sources(List.of("--raft.address=a:1")));
    }
}
