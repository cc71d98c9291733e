package io.armadakv.node.raft;

import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns away a leader's install-snapshot request for a group this node is still adding. Ratis
 * 3.3.0 holds back append requests until a new division has started, but not that one: it makes
 * the half-started division a follower, its own start then fails, and the failed division keeps
 * the lock on its storage directory, so every later attempt to add the group fails too until the
 * process restarts. A wiped node meets exactly this: the leader asks it for a snapshot install as
 * soon as the group appears. Refused, the leader asks again a moment later.
 */
final class StartingGroupGuard implements ServerInterceptor {

    private static final String INSTALL_SNAPSHOT = RaftServerProtocolServiceGrpc.getInstallSnapshotMethod().getFullMethodName();

    private final Set<RaftGroupId> starting = ConcurrentHashMap.newKeySet();
    private final AtomicLong turnedAway = new AtomicLong();

    /** Marks the group as being added until {@link #started}. */
    void starting(RaftGroupId groupId) {
        starting.add(groupId);
    }

    void started(RaftGroupId groupId) {
        starting.remove(groupId);
    }

    boolean isStarting(RaftGroupId groupId) {
        return starting.contains(groupId);
    }

    /** Install requests turned away so far. */
    long turnedAway() {
        return turnedAway.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> delegate = next.startCall(call, headers);
        if (!call.getMethodDescriptor().getFullMethodName().equals(INSTALL_SNAPSHOT)) {
            return delegate;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            private boolean refused;

            @Override
            public void onMessage(Q message) {
                if (refused) {
                    return;
                }
                if (message instanceof InstallSnapshotRequestProto request) {
                    RaftGroupId group = RaftGroupId.valueOf(request.getServerRequest().getRaftGroupId().getId());
                    if (isStarting(group)) {
                        refused = true;
                        turnedAway.incrementAndGet();
                        call.close(Status.UNAVAILABLE.withDescription("group " + group
                                + " is still starting on this node; ask again"), new Metadata());
                        return;
                    }
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (!refused) {
                    super.onHalfClose();
                }
            }
        };
    }
}
