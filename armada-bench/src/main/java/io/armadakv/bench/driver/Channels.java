package io.armadakv.bench.driver;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Plaintext gRPC connections spread round-robin over one or more host:port endpoints. */
public final class Channels implements AutoCloseable {

    private final List<ManagedChannel> channels;

    private Channels(List<ManagedChannel> channels) {
        this.channels = channels;
    }

    /** @param addresses host:port[,host:port...]; at least one connection per endpoint */
    public static Channels open(String addresses, int connections) {
        String[] endpoints = addresses.split(",");
        List<ManagedChannel> list = new ArrayList<>();
        for (int i = 0; i < Math.max(connections, endpoints.length); i++) {
            String address = endpoints[i % endpoints.length].trim();
            int colon = address.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("address '" + address + "' is not host:port");
            }
            list.add(NettyChannelBuilder.forAddress(address.substring(0, colon),
                            Integer.parseInt(address.substring(colon + 1)))
                    .usePlaintext().maxInboundMessageSize(64 << 20)
                    // answers are recorded and the next request sent without blocking: no hand-off
                    // to an executor thread, whose CPU the servers on the same machine would lose
                    .directExecutor().build());
        }
        return new Channels(List.copyOf(list));
    }

    public int size() {
        return channels.size();
    }

    public ManagedChannel get(int i) {
        return channels.get(Math.floorMod(i, channels.size()));
    }

    @Override
    public void close() {
        for (ManagedChannel ch : channels) {
            ch.shutdownNow();
        }
        for (ManagedChannel ch : channels) {
            try {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
