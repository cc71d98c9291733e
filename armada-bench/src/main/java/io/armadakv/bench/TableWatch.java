package io.armadakv.bench;

import armada.v1.ClusterGrpc;
import armada.v1.KVGrpc;
import armada.v1.RangeRequest;
import armada.v1.StatusRequest;
import armada.v1.TableStatus;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.util.concurrent.TimeUnit;

/** Reads how far one node's copy of a table has come: its revision and replication cursor. */
final class TableWatch implements AutoCloseable {

    private final ManagedChannel channel;
    private final ByteString table;
    private final String tableName;

    TableWatch(String address, String table) {
        int colon = address.lastIndexOf(':');
        this.channel = NettyChannelBuilder.forAddress(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1))).usePlaintext().build();
        this.table = ByteString.copyFromUtf8(table);
        this.tableName = table;
    }

    /** The table's revision on the follower (a count-only read answers it cheaply), -1 while it has no table. */
    long revision() {
        try {
            return KVGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
                    .setTable(table).setKey(ByteString.copyFrom(new byte[] {0})).setCountOnly(true).build())
                    .getHeader().getRevision();
        } catch (StatusRuntimeException e) {
            return -1;
        }
    }

    /** The follower's view of the table: its leader index and the leader's newest, or null. */
    TableStatus status() {
        try {
            return ClusterGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance()).getTablesMap().get(tableName);
        } catch (StatusRuntimeException e) {
            return null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
