package io.armadakv.bench.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds the etcd server binary; when it is missing and this process runs as root on a Debian
 * machine, installs Debian's etcd-server package the way .ci/run does.
 */
public final class EtcdBinary {

    private static final List<Path> CANDIDATES = List.of(Path.of("/usr/bin/etcd"), Path.of("/usr/local/bin/etcd"));

    private EtcdBinary() {
    }

    /** @param configured a path given by --etcd, or null to search PATH and the usual places */
    public static Path find(String configured, boolean install) throws IOException, InterruptedException {
        if (configured != null) {
            Path p = Path.of(configured);
            if (!Files.isExecutable(p)) {
                throw new IllegalStateException("--etcd=" + configured + " is not an executable file");
            }
            return p;
        }
        Path found = search();
        if (found != null) {
            return found;
        }
        if (install && canInstall()) {
            System.err.println("etcd not found: installing Debian's etcd-server package (apt-get) ...");
            run(List.of("apt-get", "update", "-qq"));
            run(List.of("apt-get", "install", "-y", "-qq", "etcd-server"));
            found = search();
            if (found != null) {
                return found;
            }
        }
        throw new IllegalStateException("etcd not found: install Debian's etcd-server package "
                + "(apt-get install etcd-server, as root) or pass --etcd=PATH");
    }

    public static String version(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().filter(l -> l.startsWith("etcd Version:")).findFirst()
                    .map(l -> "etcd " + l.substring("etcd Version:".length()).trim()).orElse("etcd (version unknown)");
        } catch (IOException e) {
            return "etcd (version unknown: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "etcd (version unknown)";
        }
    }

    private static Path search() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, "etcd");
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return CANDIDATES.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    private static boolean canInstall() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/apt-get"));
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        p.getInputStream().transferTo(System.err); // stdout stays the report's
        int code = p.waitFor();
        if (code != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed with exit code " + code);
        }
    }
}
