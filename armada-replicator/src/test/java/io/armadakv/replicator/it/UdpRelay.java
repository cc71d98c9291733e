package io.armadakv.replicator.it;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A UDP relay between a replicator and one leader node's QUIC port that can drop every packet
 * for a while: a cut link, on loopback.
 */
final class UdpRelay implements AutoCloseable {

    private final DatagramSocket front;
    private final InetSocketAddress target;
    private final Map<SocketAddress, DatagramSocket> upstreams = new ConcurrentHashMap<>();
    private volatile boolean cut;
    private volatile boolean closed;

    UdpRelay(int targetPort) throws IOException {
        this.front = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        Thread.ofPlatform().daemon().name("udp-relay-front").start(this::forwardFromClients);
    }

    int port() {
        return front.getLocalPort();
    }

    void cut() {
        cut = true;
    }

    void restore() {
        cut = false;
    }

    private void forwardFromClients() {
        byte[] buf = new byte[65535];
        while (!closed) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                front.receive(p);
                if (cut) {
                    continue;
                }
                SocketAddress client = p.getSocketAddress();
                DatagramSocket up = upstreams.computeIfAbsent(client, this::openUpstream);
                up.send(new DatagramPacket(p.getData(), p.getOffset(), p.getLength(), target));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private DatagramSocket openUpstream(SocketAddress client) {
        try {
            DatagramSocket up = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread.ofPlatform().daemon().name("udp-relay-back").start(() -> {
                byte[] buf = new byte[65535];
                while (!closed) {
                    try {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        up.receive(p);
                        if (!cut) {
                            front.send(new DatagramPacket(p.getData(), p.getOffset(), p.getLength(), client));
                        }
                    } catch (IOException e) {
                        if (closed) {
                            return;
                        }
                    }
                }
            });
            return up;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        front.close();
        upstreams.values().forEach(DatagramSocket::close);
    }
}
