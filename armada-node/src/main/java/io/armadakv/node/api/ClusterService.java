package io.armadakv.node.api;

import armada.v1.ClusterGrpc;
import armada.v1.Member;
import armada.v1.MemberListRequest;
import armada.v1.MemberListResponse;
import armada.v1.StatusRequest;
import armada.v1.StatusResponse;
import armada.v1.TableStatus;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.armadakv.node.ArmadaNode;
import io.armadakv.node.Version;
import io.armadakv.node.config.ConfigKeys;
import io.armadakv.node.config.EffectiveConfig;
import io.armadakv.node.config.Endpoint;
import io.armadakv.node.config.NodeConfig;
import io.armadakv.node.table.Table;
import io.armadakv.proto.internal.MemberInfo;
import io.grpc.stub.StreamObserver;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Map;

/** regatta.v1.Cluster: membership and per-table status of this node (API.md section 4.10). */
@Dependent
public class ClusterService extends ClusterGrpc.ClusterImplBase {

    @Inject
    ArmadaNode node;

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
        NodeConfig c = node.nodeConfig();
        MemberListResponse.Builder b = MemberListResponse.newBuilder().setCluster(c.clusterName());
        Map<Long, MemberInfo> registered = node.tables().members();
        for (Map.Entry<Long, Endpoint> m : new java.util.TreeMap<>(c.initialMembers()).entrySet()) {
            MemberInfo info = registered.get(m.getKey());
            Member.Builder member = Member.newBuilder().addPeerURLs(m.getValue().hostPort());
            if (info != null) {
                member.setId(info.getUuid()).setName(info.getName()).addClientURLs(info.getApiUrl());
            } else {
                // a member that has never started: only its configured Raft address is known
                member.setId(Long.toString(m.getKey())).setName(m.getValue().hostPort());
            }
            b.addMembers(member);
        }
        observer.onNext(b.build());
        observer.onCompleted();
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        StatusResponse.Builder b = StatusResponse.newBuilder()
                .setId(node.identity().id())
                .setVersion(Version.get());
        Map<Long, MemberInfo> members = node.tables().members();
        for (Table t : node.tables().tables()) {
            try {
                Table.GroupState s = t.state();
                TableStatus.Builder status = TableStatus.newBuilder()
                        .setLeader(leaderName(s.leaderId(), members))
                        .setRaftIndex(s.appliedIndex())
                        .setRaftTerm(s.term())
                        .setRaftAppliedIndex(s.appliedIndex())
                        .setRevision(t.store().revision())
                        .setLogEntries(s.logEntries())
                        .setStoreBytes(s.storeBytes())
                        .setLeaderIndex(node.nodeConfig().follower() ? t.store().leaderIndex() : s.appliedIndex())
                        .setLeaderLastIndex(t.leaderLastIndex());
                if (request.getContentHash()) {
                    status.setContentHash(t.store().contentHash().sha256Hex());
                }
                b.putTables(t.name(), status.build());
            } catch (RuntimeException e) {
                b.addErrors(t.name() + ": " + e.getMessage());
            }
        }
        if (request.getConfig()) {
            b.setConfig(configStruct(EffectiveConfig.of(node.config(), ConfigKeys.all())));
        }
        observer.onNext(b.build());
        observer.onCompleted();
    }

    /** The leader's UUID as Member.id shows it; its decimal node id when it never registered. */
    private String leaderName(long leaderId, Map<Long, MemberInfo> members) {
        if (leaderId == node.nodeConfig().nodeId()) {
            return node.identity().id();
        }
        MemberInfo m = members.get(leaderId);
        if (m != null) {
            return m.getUuid();
        }
        return leaderId == 0 ? "" : Long.toString(leaderId);
    }

    /** Each declared key as {@code key -> {value, source}}; docs/api.md describes this shape. */
    static Struct configStruct(List<EffectiveConfig.Entry> entries) {
        Struct.Builder s = Struct.newBuilder();
        for (EffectiveConfig.Entry e : entries) {
            s.putFields(e.key(), Value.newBuilder().setStructValue(Struct.newBuilder()
                    .putFields("value", Value.newBuilder().setStringValue(e.value()).build())
                    .putFields("source", Value.newBuilder().setStringValue(e.source()).build())).build());
        }
        return s.build();
    }
}
