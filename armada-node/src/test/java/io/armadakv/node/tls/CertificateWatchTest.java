package io.armadakv.node.tls;

import io.armadakv.node.it.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A reload runs once per change of content; a failing one is retried, warned about once, and leaves the old state. */
class CertificateWatchTest {

    @TempDir
    Path dir;

    @Test
    void reloadsOncePerChangeAndWarnsOnceAboutUnusableContent() throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "one");
        Path key = Files.writeString(dir.resolve("key.pem"), "one");
        List<String> loaded = new CopyOnWriteArrayList<>();
        AtomicBoolean broken = new AtomicBoolean();
        AtomicInteger attempts = new AtomicInteger();
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Logger logger = Logger.getLogger(CertificateWatch.class.getName());
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        CertificateWatch.Fingerprint inUse = CertificateWatch.fingerprint(List.of(cert, key));
        try (CertificateWatch watch = CertificateWatch.start("test certificates", List.of(cert, key), inUse, () -> {
            attempts.incrementAndGet();
            if (broken.get()) {
                throw new java.io.IOException("test.key: does not belong");
            }
            loaded.add(Files.readString(cert) + "/" + Files.readString(key));
        }, Duration.ofMillis(20))) {
            Files.writeString(key, "two");
            // the reload runs before its log line: wait for both
            Waits.until("the change to be loaded and logged", Duration.ofSeconds(10),
                    () -> loaded.size() == 1 && count(logged, Level.INFO) > 0);
            assertEquals("one/two", loaded.getFirst());
            assertEquals(1, count(logged, Level.INFO));

            broken.set(true);
            Files.writeString(cert, "three");
            int before = attempts.get();
            Waits.until("several failed attempts", Duration.ofSeconds(10), () -> attempts.get() >= before + 5);
            assertEquals(1, count(logged, Level.WARNING));
            assertEquals(1, loaded.size());

            broken.set(false);
            Waits.until("the fixed files to be loaded", Duration.ofSeconds(10), () -> loaded.size() == 2);
            assertEquals("three/two", loaded.get(1));
            int settled = attempts.get();
            long polled = watch.polls();
            Waits.until("ten polls of the unchanged files", Duration.ofSeconds(10), () -> watch.polls() >= polled + 10);
            assertEquals(settled, attempts.get(), "unchanged files are not reloaded");
        } finally {
            logger.removeHandler(handler);
        }
    }

    private static long count(List<LogRecord> logged, Level level) {
        return logged.stream().filter(r -> r.getLevel() == level).count();
    }
}
