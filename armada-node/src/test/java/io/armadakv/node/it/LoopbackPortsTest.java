package io.armadakv.node.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoopbackPortsTest {

    @Test
    void portsAreBelowTheEphemeralRangeDistinctAndBindableForTcpAndUdp() throws IOException {
        int ephemeralLow = LoopbackPorts.ephemeralLow();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int port = LoopbackPorts.next();
            assertTrue(port >= 10_000 && port < ephemeralLow, port + " outside 10000-" + (ephemeralLow - 1));
            assertTrue(seen.add(port), "port " + port + " handed out twice");
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            try (ServerSocket tcp = new ServerSocket()) {
                tcp.bind(address);
                try (DatagramSocket udp = new DatagramSocket(address)) {
                    assertEquals(port, udp.getLocalPort());
                }
            }
        }
    }
}
