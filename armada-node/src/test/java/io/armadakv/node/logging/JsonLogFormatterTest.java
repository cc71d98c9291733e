package io.armadakv.node.logging;

import io.armadakv.node.config.ConfigException;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonLogFormatterTest {

    @Test
    void anEventIsOneParsableJsonLineEvenWithNewlinesAndAStackTrace() {
        LogRecord record = new LogRecord(Level.WARNING, "table {0}: \"quoted\"\nsecond line");
        record.setParameters(new Object[] {"config"});
        record.setLoggerName("io.armadakv.node.table.TableManager");
        record.setMillis(1_700_000_000_123L);
        record.setThrown(new IllegalStateException("boom"));

        String line = new JsonLogFormatter().format(record);

        assertEquals(1, line.strip().lines().count(), line);
        JsonObject json = Json.createReader(new StringReader(line)).readObject();
        assertEquals("2023-11-14T22:13:20.123Z", json.getString("time"));
        assertEquals("WARNING", json.getString("level"));
        assertEquals("io.armadakv.node.table.TableManager", json.getString("logger"));
        assertEquals("table config: \"quoted\"\nsecond line", json.getString("message"));
        assertTrue(json.getString("error").startsWith("java.lang.IllegalStateException: boom"), json.toString());
    }

    @Test
    void levelsAcceptTheUsualAliasesAndRefuseOthers() {
        assertEquals(Level.WARNING, LogSetup.parse("log.level", "warn"));
        assertEquals(Level.FINE, LogSetup.parse("log.level", "DEBUG"));
        assertEquals(Level.INFO, LogSetup.parse("log.level", "info"));
        ConfigException bad = assertThrows(ConfigException.class, () -> LogSetup.parse("log.level", "loud"));
        assertTrue(bad.getMessage().startsWith("log.level: 'loud' is not a level"), bad.getMessage());
    }
}
