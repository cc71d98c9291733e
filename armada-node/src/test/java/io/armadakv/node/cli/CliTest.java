package io.armadakv.node.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI's decisions that need no server: where a token may go, what a manifest may name. */
class CliTest {

    @TempDir
    Path dir;

    private String[] run(boolean backup, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int exit = new CommandLine(backup ? new BackupCommand(o, e) : new RestoreCommand(o, e)).execute(args);
        return new String[] {Integer.toString(exit), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void aTokenIsNeverSentInPlaintextBeyondLoopback() throws Exception {
        String[] r = run(true, "--address=http://192.0.2.7:8443", "--token=t", "--dir=" + dir);
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("refusing to send the token in plaintext"), r[1]);
        assertFalse(r[1].contains("=t "), r[1]);
        assertTrue(ApiConnection.loopback("127.0.0.1"));
        assertTrue(ApiConnection.loopback("localhost"));
        assertFalse(ApiConnection.loopback("192.0.2.7"));
        // TLS by scheme or by a CA; a plaintext address without a token is fine
        ApiConnection.open("https://192.0.2.7:8443", "t", null).close();
        ApiConnection.open("192.0.2.7:8443", "", null).close();
        assertThrows(UsageException.class, () -> ApiConnection.open("ftp://x:1", "", null));
        assertThrows(CliException.class, () -> ApiConnection.open("http://192.0.2.7:8443", "t",
                dir.resolve("no-such-ca.pem")));
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals("2", run(true, "--dir=" + dir)[0]);
        assertEquals("2", run(false, "--address=127.0.0.1:1")[0]);
    }

    @Test
    void aManifestMayNameOnlyFilesInsideItsDirectory() throws Exception {
        Files.writeString(dir.resolve("manifest.json"), """
                {"started":"s","finished":"f","tables":[{"name":"t","file_name":"../etc/passwd","md5":"00"}]}""");
        CliException e = assertThrows(CliException.class, () -> Manifest.read(dir));
        assertTrue(e.getMessage().contains("not a file name inside the backup directory"), e.getMessage());
        Files.writeString(dir.resolve("manifest.json"), "{not json");
        assertTrue(assertThrows(CliException.class, () -> Manifest.read(dir)).getMessage().contains("not a valid manifest"));
        // a seed manifest (no sha256, no size) reads
        Files.writeString(dir.resolve("manifest.json"), """
                {"started":"2024-01-01T00:00:00Z","finished":"2024-01-01T00:00:01Z",
                 "tables":[{"name":"a/b","file_name":"a%2Fb.bak","md5":"d41d8cd98f00b204e9800998ecf8427e"}]}""");
        Manifest m = Manifest.read(dir);
        assertEquals("a%2Fb.bak", m.tables.getFirst().fileName);
        assertEquals(null, m.tables.getFirst().sha256);
    }

    @Test
    void fileNamesKeepTableNamesReadableAndSafe() {
        assertEquals("config.bak", BackupCommand.fileName("config"));
        assertEquals("a%2Fb.bak", BackupCommand.fileName("a/b"));
        assertEquals("%2E..bak", BackupCommand.fileName("..")); // never a leading dot
        assertEquals("v1.2.bak", BackupCommand.fileName("v1.2"));
    }
}
