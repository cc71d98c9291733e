package io.armadakv.bench.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback TCP ports for the servers compare starts, never the same one twice in a run. They lie
 * below the kernel's ephemeral range: a port from {@code bind(0)} can be taken as the local port of
 * some outgoing connection before the server that was meant to have it binds.
 */
public final class FreePorts {

    private static final int LOWEST = 10_000;

    private final Set<Integer> handedOut = new HashSet<>();
    private final int highest = ephemeralLow() - 1;
    private int cursor = LOWEST + ThreadLocalRandom.current().nextInt(highest - LOWEST + 1);

    public synchronized int next() {
        for (int tried = LOWEST; tried <= highest; tried++) {
            int port = cursor;
            cursor = cursor == highest ? LOWEST : cursor + 1;
            if (!handedOut.contains(port) && free(port)) {
                handedOut.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port in " + LOWEST + "-" + highest);
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int ephemeralLow() {
        try {
            int low = Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .trim().split("\\s+")[0]);
            return low > LOWEST + 1_000 ? low : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
