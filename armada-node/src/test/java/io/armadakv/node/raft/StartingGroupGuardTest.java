package io.armadakv.node.raft;

import io.armadakv.node.it.LoopbackPorts;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotReplyProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcReplyProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Server;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartingGroupGuardTest {

    /** Stands in for Ratis' server service: answers each install request and records its group. */
    private static final class RecordingService extends RaftServerProtocolServiceGrpc.RaftServerProtocolServiceImplBase {
        final List<RaftGroupId> installs = new CopyOnWriteArrayList<>();

        @Override
        public StreamObserver<InstallSnapshotRequestProto> installSnapshot(StreamObserver<InstallSnapshotReplyProto> replies) {
            return new StreamObserver<>() {
                @Override
                public void onNext(InstallSnapshotRequestProto request) {
                    installs.add(RaftGroupId.valueOf(request.getServerRequest().getRaftGroupId().getId()));
                    replies.onNext(InstallSnapshotReplyProto.newBuilder()
                            .setServerReply(RaftRpcReplyProto.newBuilder().setSuccess(true)).build());
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    replies.onCompleted();
                }
            };
        }
    }

    private static CompletableFuture<InstallSnapshotReplyProto> install(ManagedChannel channel, RaftGroupId group) {
        CompletableFuture<InstallSnapshotReplyProto> reply = new CompletableFuture<>();
        StreamObserver<InstallSnapshotRequestProto> requests = RaftServerProtocolServiceGrpc.newStub(channel)
                .installSnapshot(new StreamObserver<>() {
                    @Override
                    public void onNext(InstallSnapshotReplyProto value) {
                        reply.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        reply.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        reply.completeExceptionally(new IllegalStateException("no reply"));
                    }
                });
        requests.onNext(InstallSnapshotRequestProto.newBuilder()
                .setServerRequest(RaftRpcRequestProto.newBuilder()
                        .setRaftGroupId(RaftGroupIdProto.newBuilder().setId(group.toByteString())))
                .build());
        requests.onCompleted();
        return reply;
    }

    @Test
    void anInstallForAGroupStillStartingIsTurnedAwayAndLetThroughOnceItStarted() throws Exception {
        int port = LoopbackPorts.next();
        StartingGroupGuard guard = new StartingGroupGuard();
        RecordingService service = new RecordingService();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(service).intercept(guard).build().start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            RaftGroupId adding = RaftGroupId.randomId();
            RaftGroupId other = RaftGroupId.randomId();
            guard.starting(adding);

            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> install(channel, adding).get(10, TimeUnit.SECONDS));
            Status status = Status.fromThrowable(refused.getCause());
            assertEquals(Status.Code.UNAVAILABLE, status.getCode());
            assertTrue(status.getDescription().contains(adding.toString()), status.getDescription());
            // another group's install is not held back
            assertTrue(install(channel, other).get(10, TimeUnit.SECONDS).getServerReply().getSuccess());
            assertEquals(List.of(other), service.installs);

            guard.started(adding);
            assertTrue(install(channel, adding).get(10, TimeUnit.SECONDS).getServerReply().getSuccess());
            assertEquals(List.of(other, adding), service.installs);
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }
}
