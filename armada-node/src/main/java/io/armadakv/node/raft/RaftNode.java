package io.armadakv.node.raft;

import io.armadakv.node.config.Endpoint;
import io.armadakv.node.config.NodeConfig;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.apache.ratis.rpc.CallId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * This node's single Ratis server and the groups it hosts: the catalog group and one group per
 * table, all with the same peers. Proposals go to the local division when it leads and are
 * carried to the leader by a Ratis client otherwise.
 */
public final class RaftNode implements AutoCloseable {

    private final RaftServer server;
    private final RaftPeerId selfId;
    private final List<RaftPeer> peers;
    private final RaftProperties clientProperties;
    private final ClientId clientId = ClientId.randomId();
    private final Map<RaftGroupId, RaftClient> forwarders = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retrier = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "armada-raft-retry");
        t.setDaemon(true);
        return t;
    });

    /** How long a proposal is retried while its group has no leader. */
    static final long RETRY_WINDOW_MS = 10_000;

    private final LeaderRelay relay;
    private final StartingGroupGuard startingGroups;

    private RaftNode(RaftServer server, RaftPeerId selfId, List<RaftPeer> peers, RaftProperties clientProperties,
                     LeaderRelay relay, StartingGroupGuard startingGroups) {
        this.server = server;
        this.startingGroups = startingGroups;
        this.selfId = selfId;
        this.peers = peers;
        this.clientProperties = clientProperties;
        this.relay = relay;
    }

    /**
     * Starts the Ratis server; groups found in the Raft directory are recovered by Ratis itself.
     * The Raft port also serves group snapshots from {@code exporter} to lagging peers, and
     * writes relayed by peers to {@code relayReceiver}.
     */
    public static RaftNode start(NodeConfig config, StateMachine.Registry registry,
                                 SnapshotTransfer.Exporter exporter, LeaderRelay.Receiver relayReceiver)
            throws IOException {
        List<RaftPeer> peers = new ArrayList<>();
        new java.util.TreeMap<>(config.initialMembers()).forEach((id, endpoint) -> peers.add(RaftPeer.newBuilder()
                .setId(peerId(id)).setAddress(endpoint.hostPort()).build()));
        RaftPeerId self = peerId(config.nodeId());
        RaftProperties props = serverProperties(config);
        Parameters parameters = new Parameters();
        java.nio.file.Path sendDir = config.nodeHostDir().resolve("snapshots-out");
        StartingGroupGuard guard = new StartingGroupGuard();
        GrpcConfigKeys.Server.setServicesCustomizer(parameters, (builder, types) -> types.contains(GrpcServices.Type.SERVER)
                ? builder.addService(SnapshotTransfer.service(exporter, sendDir))
                        .addService(LeaderRelay.service(() -> relayReceiver))
                        .intercept(guard)
                : builder);
        RaftServer server = RaftServer.newBuilder()
                .setParameters(parameters)
                .setServerId(self)
                .setProperties(props)
                .setStateMachineRegistry(registry)
                .setGroup(RaftGroup.valueOf(GroupIds.CATALOG, peers))
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        RaftProperties clientProps = new RaftProperties();
        RaftConfigKeys.Rpc.setType(clientProps, SupportedRpcType.GRPC);
        LeaderRelay relay = new LeaderRelay(peers, (int) Math.min(Integer.MAX_VALUE, 4 * config.maxEntryBytes() + (1 << 20)));
        return new RaftNode(server, self, List.copyOf(peers), clientProps, relay, guard);
    }

    static RaftProperties serverProperties(NodeConfig config) {
        RaftProperties props = new RaftProperties();
        RaftConfigKeys.Rpc.setType(props, SupportedRpcType.GRPC);
        Endpoint raft = config.raftAddress();
        GrpcConfigKeys.Server.setHost(props, raft.host());
        GrpcConfigKeys.Server.setPort(props, raft.port());
        RaftServerConfigKeys.setStorageDir(props, List.of(config.nodeHostDir().toFile()));
        long election = config.electionTimeoutMs();
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
        if (config.initialMembers().size() == 1) {
            // alone in the group: no vote to split, so elect at once instead of after a full timeout
            RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(props, TimeDuration.valueOf(10, TimeUnit.MILLISECONDS));
            RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(props, TimeDuration.valueOf(50, TimeUnit.MILLISECONDS));
        }
        RaftServerConfigKeys.Read.setOption(props, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        // Ratis would append an entry recording the commit index after every commit, and send it to
        // the followers: as many entries and rounds again as the writes take. Our stores persist
        // what they applied, and a restarted node learns the commit index from the leader.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(props, false);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        // Ratis' own snapshot install copies files; our state is a live store, so a lagging follower
        // is told to fetch the store from the leader itself (StoreStateMachine.notifyInstallSnapshotFromLeader)
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(props, false);
        // purge past a down follower too (it catches up from a snapshot), keeping a tail for short lags
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(props, true);
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(props, config.logRetainedEntries());
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, config.snapshotEntries());
        // Ratis refuses a log entry larger than its write buffer: size it for the largest entry we build.
        long maxEntry = config.maxEntryBytes();
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(props, SizeInBytes.valueOf(maxEntry));
        RaftServerConfigKeys.Log.setWriteBufferSize(props, SizeInBytes.valueOf(maxEntry + 64 * 1024));
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf(config.logSegmentSize()));
        // Ratis keeps the entries of the open segment and of up to six closed ones on the heap of every
        // group, for followers that lag. They live for seconds, the young collections copy them, and
        // a member in step needs only the newest. So no closed segment is kept once every member has
        // it: Ratis spares one a lagging member still reads, and the replicator reads closed segments
        // from their files (LogReader). Measured in docs/benchmarks.md, "Run of 2026-12-05, morning".
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(props, 0);
        RaftServerConfigKeys.Log.setPurgeGap(props, (int) Math.max(1, Math.min(1024, config.snapshotEntries() / 2)));
        GrpcConfigKeys.setMessageSizeMax(props, SizeInBytes.valueOf(Math.max(64L << 20, 4 * maxEntry)));
        return props;
    }

    public static RaftPeerId peerId(long nodeId) {
        return RaftPeerId.valueOf(Long.toString(nodeId));
    }

    /** The numeric node id of a peer id, or 0 when it is not one of ours. */
    public static long nodeId(RaftPeerId peerId) {
        if (peerId == null) {
            return 0;
        }
        try {
            return Long.parseLong(peerId.toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public RaftPeerId selfId() {
        return selfId;
    }

    public List<RaftPeer> peers() {
        return peers;
    }

    public RaftServer server() {
        return server;
    }

    /** Requests to peers over their Raft ports: writes for the node that leads a group. */
    public LeaderRelay relay() {
        return relay;
    }

    /** The group's leader as this node knows it, or null when it knows none or the group is not here. */
    public RaftPeerId leaderOf(RaftGroupId groupId) {
        return division(groupId).map(d -> d.getInfo().getLeaderId()).orElse(null);
    }

    /** Whether this node leads the group now. */
    public boolean leads(RaftGroupId groupId) {
        return division(groupId).map(d -> d.getInfo().isLeader()).orElse(false);
    }

    /**
     * The group with every member as a peer. A table's group prefers one member as leader (by
     * Ratis priority, the table id modulo the member count), so leadership spreads across nodes
     * and returns to the preferred member after it recovers.
     */
    public RaftGroup group(RaftGroupId groupId) {
        java.util.OptionalLong tableId = GroupIds.tableId(groupId);
        if (tableId.isEmpty() || peers.size() == 1) {
            return RaftGroup.valueOf(groupId, peers);
        }
        int preferred = (int) Math.floorMod(tableId.getAsLong(), (long) peers.size());
        List<RaftPeer> prioritized = new ArrayList<>(peers.size());
        for (int i = 0; i < peers.size(); i++) {
            RaftPeer p = peers.get(i);
            prioritized.add(RaftPeer.newBuilder(p).setPriority(i == preferred ? 1 : 0).build());
        }
        return RaftGroup.valueOf(groupId, prioritized);
    }

    public boolean hosts(RaftGroupId groupId) {
        for (RaftGroupId id : server.getGroupIds()) {
            if (id.equals(groupId)) {
                return true;
            }
        }
        return false;
    }

    public Optional<RaftServer.Division> division(RaftGroupId groupId) {
        try {
            return Optional.of(server.getDivision(groupId));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Fetches a peer's snapshot of the group into {@code target}. */
    public void fetchSnapshot(RaftPeerId from, RaftGroupId groupId, java.nio.file.Path target) throws IOException {
        RaftPeer peer = peers.stream().filter(p -> p.getId().equals(from)).findFirst()
                .orElseThrow(() -> new IOException("peer " + from + " is not a member of this cluster"));
        SnapshotTransfer.fetch(peer.getAddress(), groupId, target);
    }

    /**
     * A follower whose log is empty while its group has a leader has lost its data (a wiped
     * disk): the leader still believes the entries it once acknowledged are there and keeps
     * sending from past them. Moving leadership to another peer gives the group a leader with no
     * such memory, which then sends this node a snapshot. Returns true when it asked for that.
     */
    public boolean rescueIfWiped(RaftGroupId groupId) {
        RaftServer.Division d = division(groupId).orElse(null);
        if (d == null || peers.size() < 3 || d.getRaftLog().getNextIndex() > 0) {
            wipedSince.remove(groupId);
            return false;
        }
        long now = System.nanoTime();
        Long since = wipedSince.putIfAbsent(groupId, now);
        if (since == null || now - since < TimeUnit.SECONDS.toNanos(3)) {
            return false; // a new group gets its first entry within moments; only a lasting gap is a wipe
        }
        // the rejected follower keeps timing out into elections, so the leader is only known at times
        RaftPeerId leader = d.getInfo().getLeaderId();
        if (leader == null || leader.equals(selfId)) {
            return false;
        }
        wipedSince.remove(groupId);
        try {
            // a step-down, not a transfer: Ratis transfers only to the highest-priority peer
            return transferLeadership(groupId, 0, 5_000);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Asks the group's leader to hand leadership to {@code targetNodeId}, or with 0 to step down
     * so that a new election runs. Ratis only transfers to a peer of the highest priority.
     */
    public boolean transferLeadership(RaftGroupId groupId, long targetNodeId, long timeoutMs) throws IOException {
        RaftPeerId target = targetNodeId == 0 ? null : peerId(targetNodeId);
        return forwarder(groupId).admin().transferLeadership(target, timeoutMs).isSuccess();
    }

    private final Map<RaftGroupId, Long> wipedSince = new ConcurrentHashMap<>();

    /** Adds a group to this server; a group it already hosts is left alone. */
    public void addGroup(RaftGroupId groupId) throws IOException {
        if (hosts(groupId)) {
            return;
        }
        // format=false: recover a directory a failed earlier add left behind instead of refusing it
        RaftClientReply reply;
        startingGroups.starting(groupId);
        try {
            reply = server.groupManagement(GroupManagementRequest.newAdd(
                    clientId, selfId, CallId.getAndIncrement(), group(groupId), false));
        } finally {
            startingGroups.started(groupId);
        }
        if (!reply.isSuccess() && !hosts(groupId)) {
            throw new IOException("adding Raft group " + groupId + " failed: " + reply.getException());
        }
    }

    /** Snapshot-install requests turned away because their group was still being added here. */
    public long installsTurnedAway() {
        return startingGroups.turnedAway();
    }

    /** Removes a group and deletes its Raft log. */
    public void removeGroup(RaftGroupId groupId) throws IOException {
        RaftClient forwarder = forwarders.remove(groupId);
        if (forwarder != null) {
            forwarder.close();
        }
        if (!hosts(groupId)) {
            return;
        }
        RaftClientReply reply = server.groupManagement(GroupManagementRequest.newRemove(
                clientId, selfId, CallId.getAndIncrement(), groupId, true, false));
        if (!reply.isSuccess() && hosts(groupId)) {
            throw new IOException("removing Raft group " + groupId + " failed: " + reply.getException());
        }
    }

    /**
     * Proposes {@code data} as one log entry of the group; completes when it is applied here or
     * on the leader. While the group has no leader (start-up, election) the proposal is retried
     * every 50 ms for up to {@link #RETRY_WINDOW_MS}: those refusals say the entry was not appended.
     */
    public CompletableFuture<RaftClientReply> propose(RaftGroupId groupId, ByteString data) {
        CompletableFuture<RaftClientReply> result = new CompletableFuture<>();
        proposeOnce(groupId, data, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_WINDOW_MS), result);
        return result;
    }

    private void proposeOnce(RaftGroupId groupId, ByteString data, long deadlineNanos,
                             CompletableFuture<RaftClientReply> result) {
        proposeDirect(groupId, data).whenComplete((reply, error) -> {
            boolean retry = error == null ? notAppended(reply) : notAppended(error);
            if (retry && System.nanoTime() < deadlineNanos && !retrier.isShutdown()) {
                retrier.schedule(() -> proposeOnce(groupId, data, deadlineNanos, result), 50, TimeUnit.MILLISECONDS);
            } else if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(reply);
            }
        });
    }

    private static boolean notAppended(RaftClientReply reply) {
        return !reply.isSuccess() && (reply.getNotLeaderException() != null
                || reply.getLeaderNotReadyException() != null
                || reply.getException() instanceof ServerNotReadyException);
    }

    private static boolean notAppended(Throwable error) {
        Throwable e = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        return e instanceof NotLeaderException || e instanceof LeaderNotReadyException
                || e instanceof ServerNotReadyException;
    }

    private CompletableFuture<RaftClientReply> proposeDirect(RaftGroupId groupId, ByteString data) {
        Message message = Message.valueOf(data);
        boolean leader = division(groupId).map(d -> d.getInfo().isLeader()).orElse(false);
        if (!leader && peers.size() > 1) {
            return forwarder(groupId).async().send(message);
        }
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(selfId)
                .setGroupId(groupId)
                .setCallId(CallId.getAndIncrement())
                .setMessage(message)
                .setType(RaftClientRequest.writeRequestType())
                .build();
        try {
            return server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * A ReadIndex round on the group: completes once this node's state machine has applied
     * everything the group had committed when the read began.
     */
    public CompletableFuture<RaftClientReply> readIndex(RaftGroupId groupId) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(selfId)
                .setGroupId(groupId)
                .setCallId(CallId.getAndIncrement())
                .setMessage(Message.EMPTY)
                .setType(RaftClientRequest.readRequestType())
                .build();
        try {
            return server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private RaftClient forwarder(RaftGroupId groupId) {
        return forwarders.computeIfAbsent(groupId, gid -> RaftClient.newBuilder()
                .setProperties(clientProperties)
                .setRaftGroup(group(gid))
                .setClientId(ClientId.randomId())
                .build());
    }

    /** Waits until the group has a leader, or the timeout passes; true when it has one. */
    public boolean awaitLeader(RaftGroupId groupId, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            if (division(groupId).map(d -> d.getInfo().getLeaderId() != null).orElse(false)) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    @Override
    public void close() {
        retrier.shutdownNow();
        relay.close();
        forwarders.values().forEach(c -> {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        });
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
