package io.armadakv.bench;

import armada.v1.CreateTableRequest;
import armada.v1.KVGrpc;
import armada.v1.ListTablesRequest;
import armada.v1.TablesGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Connections to one Armada node, shared round-robin by the clients. */
final class ArmadaClient implements AutoCloseable {

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<KVGrpc.KVStub> stubs = new ArrayList<>();

    /** @param addresses one or more host:port, comma-separated; connections are spread over them */
    ArmadaClient(String addresses, int connections) {
        String[] endpoints = addresses.split(",");
        for (int i = 0; i < Math.max(connections, endpoints.length); i++) {
            String address = endpoints[i % endpoints.length].trim();
            int colon = address.lastIndexOf(':');
            String host = address.substring(0, colon);
            int port = Integer.parseInt(address.substring(colon + 1));
            ManagedChannel ch = NettyChannelBuilder.forAddress(host, port).usePlaintext()
                    .maxInboundMessageSize(64 << 20).build();
            channels.add(ch);
            stubs.add(KVGrpc.newStub(ch));
        }
    }

    KVGrpc.KVStub kv(int client) {
        return stubs.get(client % stubs.size());
    }

    void ensureTable(String table) {
        TablesGrpc.TablesBlockingStub tables = TablesGrpc.newBlockingStub(channels.getFirst());
        boolean exists = tables.list(ListTablesRequest.getDefaultInstance()).getTablesList().stream()
                .anyMatch(t -> t.getName().equals(table));
        if (!exists) {
            tables.create(CreateTableRequest.newBuilder().setName(table).build());
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedChannel ch : channels) {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
