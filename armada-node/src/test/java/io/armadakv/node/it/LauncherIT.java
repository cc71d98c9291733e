package io.armadakv.node.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ./armada launcher: version, usage, and one clear line for a bad configuration. */
class LauncherIT {

    @TempDir
    Path dir;

    private record Run(int exit, String output) {
    }

    private Run run(String... args) throws IOException, InterruptedException {
        return run(java.util.Map.of(), args);
    }

    private Run run(java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ArmadaProcess.root().resolve("armada").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("ARMADA_SKIP_BUILD", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out);
    }

    @Test
    void versionPrintsTheBuildVersion() throws Exception {
        Run r = run("version");
        assertEquals(0, r.exit());
        assertTrue(r.output().matches("armada \\d+\\.\\d+\\.\\d+.*\\s*"), r.output());
    }

    @Test
    void unknownCommandAndUnknownKeyStopWithOneLine() throws Exception {
        Run unknown = run("frobnicate");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.output().contains("unknown command 'frobnicate'"), unknown.output());

        Run badKey = run("leader", "--raft.adress=127.0.0.1:1");
        assertEquals(2, badKey.exit());
        assertEquals(1, badKey.output().strip().lines().count(), badKey.output());
        assertTrue(badKey.output().contains("unknown configuration key 'raft.adress'"), badKey.output());

        Run badValue = run("leader", "--api.address=localhost:8443");
        assertEquals(2, badValue.exit());
        assertEquals(1, badValue.output().strip().lines().count(), badValue.output());
        assertTrue(badValue.output().contains("api.address"), badValue.output());
    }

    @Test
    void badConfigurationFilesAndVariablesStopWithOneLine() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("armada.yaml"), "raft:\n  adress: 127.0.0.1:1\n");
        Run searched = run("leader");
        assertEquals(2, searched.exit(), searched.output());
        assertEquals(1, searched.output().strip().lines().count(), searched.output());
        assertTrue(searched.output().contains(dir.resolve("armada.yaml") + ": unknown configuration key 'raft.adress'"
                + " (did you mean 'raft.address'?)"), searched.output());
        java.nio.file.Files.delete(dir.resolve("armada.yaml"));

        Path broken = java.nio.file.Files.writeString(dir.resolve("broken.toml"), "[raft]\naddress = 1.2:3\n");
        Run explicit = run("leader", "--config=" + broken);
        assertEquals(2, explicit.exit(), explicit.output());
        assertEquals(1, explicit.output().strip().lines().count(), explicit.output());
        assertTrue(explicit.output().contains(broken + ":2: not valid TOML"), explicit.output());

        Run env = run(java.util.Map.of("API_ADRESS", "http://127.0.0.1:1"), "leader");
        assertEquals(2, env.exit(), env.output());
        assertTrue(env.output().contains("API_ADRESS") && env.output().contains("API_ADDRESS"), env.output());
    }

    @Test
    void aTakenPortStopsStartUpWithAClearMessage() throws Exception {
        try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Run r = run("leader", "--api.address=http://127.0.0.1:" + port,
                    "--rest.address=http://127.0.0.1:" + ArmadaProcess.freePort(),
                    "--raft.address=127.0.0.1:" + ArmadaProcess.freePort(),
                    // not the default 8444: a node running on this machine would fail the start for another reason
                    "--replication.address=127.0.0.1:" + ArmadaProcess.freePort(),
                    "--raft.node-host-dir=" + dir.resolve("raft"), "--raft.state-machine-dir=" + dir.resolve("tables"));
            assertEquals(1, r.exit(), r.output());
            assertTrue(r.output().contains("api.address"), r.output());
        }
    }

    @Test
    void logFormatJsonWritesOneObjectPerEvent() throws Exception {
        try (ArmadaProcess node = ArmadaProcess.start(dir.resolve("json"), "--log.format=json", "--log.level=info")) {
            String started = node.logTail().lines().filter(l -> l.contains("serving the API")).findFirst()
                    .orElseThrow(() -> new AssertionError("no start-up line in:\n" + node.logTail()));
            jakarta.json.JsonObject json = jakarta.json.Json.createReader(new java.io.StringReader(started)).readObject();
            assertEquals("INFO", json.getString("level"));
            assertEquals("io.armadakv.node.ArmadaNode", json.getString("logger"));
            assertTrue(json.getString("message").startsWith("Armada leader node 1"), started);
        }
        Run bad = run("leader", "--log.level=loud");
        assertEquals(2, bad.exit(), bad.output());
        assertTrue(bad.output().contains("log.level: 'loud' is not a level"), bad.output());
    }
}
