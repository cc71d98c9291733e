package io.armadakv.replicator;

import io.armadakv.node.config.ConfigException;
import io.armadakv.node.config.Endpoint;
import io.armadakv.node.config.ReplicatorKeys;
import io.armadakv.node.config.TlsFiles;
import io.armadakv.node.tls.ClientChannels;
import io.armadakv.node.tls.TlsFileException;
import io.armadakv.proto.internal.ApplyRequest;
import io.armadakv.proto.internal.ApplyResponse;
import io.armadakv.proto.internal.Lease;
import io.armadakv.proto.internal.LeaseResponse;
import io.armadakv.proto.internal.ReplicaGrpc;
import io.armadakv.proto.internal.ReplicaTable;
import io.armadakv.proto.internal.ReplicaTablesRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** The local follower cluster as the replicator sees it: its nodes' Replica service. */
final class FollowerCluster implements AutoCloseable {

    private static final long CALL_TIMEOUT_MS = 60_000;

    private final List<ManagedChannel> channels;
    private final List<Endpoint> addresses;
    private final AtomicInteger current = new AtomicInteger();

    private final io.grpc.ClientInterceptor credentials;

    /**
     * @param token presented as {@code authorization: Bearer <token>}; empty for none
     * @param tls   CA and client certificate for https:// addresses
     * @throws ConfigException when the certificate files cannot be used
     */
    FollowerCluster(List<Endpoint> addresses, TlsFiles tls, String token) {
        this.addresses = addresses;
        List<ManagedChannel> opened = new ArrayList<>();
        try {
            for (Endpoint e : addresses) {
                opened.add(ClientChannels.open(ReplicatorKeys.FOLLOWER_ADDRESS.name(), e, tls,
                        b -> b.maxInboundMessageSize(64 * 1024 * 1024).keepAliveTime(30, TimeUnit.SECONDS)));
            }
        } catch (TlsFileException e) {
            opened.forEach(ManagedChannel::shutdownNow);
            throw new ConfigException(e.getMessage());
        }
        this.channels = List.copyOf(opened);
        io.grpc.Metadata headers = new io.grpc.Metadata();
        if (!token.isEmpty()) {
            headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                    "Bearer " + token);
        }
        this.credentials = io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    List<ReplicaTable> tables() {
        return call(s -> s.tables(ReplicaTablesRequest.getDefaultInstance()).getTablesList());
    }

    void create(ReplicaTable table) {
        call(s -> s.createTable(table));
    }

    void delete(String name) {
        call(s -> s.deleteTable(ReplicaTable.newBuilder().setName(name).build()));
    }

    ApplyResponse apply(ApplyRequest request) {
        return call(s -> s.apply(request));
    }

    LeaseResponse lease(String table, String holder, long ttlMs, boolean release) {
        return call(s -> s.acquireLease(Lease.newBuilder().setTable(table).setHolder(holder).setTtlMs(ttlMs)
                .setRelease(release).build()));
    }

    /** One call, moved on to the next node while nodes are unreachable. */
    private <T> T call(Function<ReplicaGrpc.ReplicaBlockingStub, T> body) {
        StatusRuntimeException last = null;
        for (int tried = 0; tried < channels.size(); tried++) {
            int index = Math.floorMod(current.get(), channels.size());
            try {
                return body.apply(ReplicaGrpc.newBlockingStub(channels.get(index)).withInterceptors(credentials)
                        .withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS));
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                    throw e;
                }
                last = e;
                current.compareAndSet(index, index + 1);
            }
        }
        throw new StatusRuntimeException(Status.UNAVAILABLE.withDescription("no follower node answers at "
                + addresses.stream().map(Endpoint::url).toList() + ": " + last.getStatus().getDescription()));
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
