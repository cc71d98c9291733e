package io.armadakv.node.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Watches certificate files and runs a reload when their content changes. Polls the content,
 * not modification times or file events: Kubernetes replaces a mounted secret by swapping a
 * symbolic link, and a copy may keep the old time. A reload that fails keeps the previous
 * material; its warning waits for a second poll that sees the same content, so replacing the
 * certificate a moment before its key does not warn.
 */
public final class CertificateWatch implements AutoCloseable {

    /** How often the files are read. */
    public static final Duration INTERVAL = Duration.ofSeconds(2);

    /** The action that takes the new files into use; it throws when they are not usable. */
    @FunctionalInterface
    public interface Reload {
        void run() throws Exception;
    }

    private static final Logger LOG = Logger.getLogger(CertificateWatch.class.getName());
    private static final ScheduledExecutorService POLLER = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("armada-certificate-watch").factory());

    private final String what;
    private final List<Path> files;
    private final Reload reload;
    private byte[] current;
    private byte[] failing;
    private boolean warned;
    private long polls;
    private final ScheduledFuture<?> task;

    /** The content of a set of files at one moment, opaque. */
    public static final class Fingerprint {
        private final byte[] digest;

        private Fingerprint(byte[] digest) {
            this.digest = digest;
        }
    }

    private CertificateWatch(String what, List<Path> files, Fingerprint inUse, Reload reload, Duration interval) {
        this.what = what;
        this.files = List.copyOf(files);
        this.reload = reload;
        this.current = inUse.digest;
        long period = interval.toMillis();
        this.task = POLLER.scheduleWithFixedDelay(this::poll, period, period, TimeUnit.MILLISECONDS);
    }

    /** As {@link #start(String, List, Fingerprint, Reload)}, polling every {@code interval}: for tests. */
    static CertificateWatch start(String what, List<Path> files, Fingerprint inUse, Reload reload, Duration interval) {
        return new CertificateWatch(what, files, inUse, reload, interval);
    }

    /** Take it before reading the files, so a change while they are read is still seen as one. */
    public static Fingerprint fingerprint(List<Path> files) {
        return new Fingerprint(digest(files));
    }

    /**
     * Starts watching {@code files}.
     *
     * @param what  names the certificates in log lines, such as "api.address certificates"
     * @param inUse the files' content that is in use now
     */
    public static CertificateWatch start(String what, List<Path> files, Fingerprint inUse, Reload reload) {
        return new CertificateWatch(what, files, inUse, reload, INTERVAL);
    }

    /** Polls completed so far: lets tests wait for polls that must change nothing. */
    synchronized long polls() {
        return polls;
    }

    private synchronized void poll() {
        polls++;
        byte[] seen = digest(files);
        if (Arrays.equals(seen, current)) {
            return;
        }
        try {
            reload.run();
            current = seen;
            failing = null;
            warned = false;
            LOG.info(what + " reloaded from " + files);
        } catch (Exception | LinkageError e) {
            if (Arrays.equals(seen, failing) && !warned) {
                warned = true;
                LOG.warning(what + ": cannot reload from " + files + ", keeping the previous ones: " + e.getMessage());
            } else if (!Arrays.equals(seen, failing)) {
                failing = seen;
                warned = false;
            }
        }
    }

    // SHA-256 over every file's content; a missing or unreadable file counts as its own content
    private static byte[] digest(List<Path> files) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path file : files) {
                try {
                    digest.update(Files.readAllBytes(file));
                } catch (NoSuchFileException e) {
                    digest.update((byte) 1);
                } catch (IOException e) {
                    digest.update((byte) 2);
                }
                digest.update((byte) 0);
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
