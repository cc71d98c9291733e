package io.armadakv.node.it;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for tests that start nodes on this machine.
 *
 * <p>A port taken with {@code bind(0)} comes from the kernel's ephemeral range, which is also where
 * every outgoing connection gets its local port: between the pick and the node's own bind (or while a
 * killed node restarts) another process's connection can take it. Ports handed out here lie below
 * that range, are free for both TCP and UDP when handed out, and are never handed out twice by one
 * JVM. Each JVM starts at a random place so that two harnesses side by side rarely meet.
 */
public final class LoopbackPorts {

    private static final int LOWEST = 10_000;
    private static final Set<Integer> HANDED_OUT = new HashSet<>();
    private static int next = -1;

    private LoopbackPorts() {
    }

    /** A port that is free on 127.0.0.1 for TCP and UDP now and that this JVM has not handed out before. */
    public static synchronized int next() {
        int highest = ephemeralLow() - 1;
        int span = highest - LOWEST + 1;
        if (next < 0) {
            next = LOWEST + ThreadLocalRandom.current().nextInt(span);
        }
        for (int tried = 0; tried < span; tried++) {
            int port = next;
            next = next >= highest ? LOWEST : next + 1;
            if (!HANDED_OUT.contains(port) && bindable(port)) {
                HANDED_OUT.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port between " + LOWEST + " and " + highest);
    }

    private static boolean bindable(int port) {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        try (ServerSocket tcp = new ServerSocket()) {
            tcp.setReuseAddress(false);
            tcp.bind(address, 1);
            try (DatagramSocket udp = new DatagramSocket(address)) {
                return udp.getLocalPort() == port;
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** The low end of the kernel's ephemeral range (32768 where it cannot be read). */
    static int ephemeralLow() {
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            int low = Integer.parseInt(range[0]);
            return low > LOWEST + 1_000 ? low : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
