package io.armadakv.node;

import io.armadakv.node.api.GrpcApiServer;
import io.armadakv.node.config.NodeConfig;
import io.armadakv.node.metrics.NodeMetrics;
import io.armadakv.node.table.TableManager;
import io.armadakv.proto.internal.MemberInfo;
import io.grpc.BindableService;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.metrics.MetricRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.logging.Logger;

/**
 * The node's lifecycle inside the Helidon MP application: when CDI is up it starts the Raft
 * server and the tables, then the gRPC API port with every {@link BindableService} bean.
 */
@ApplicationScoped
public class ArmadaNode {

    private static final Logger LOG = Logger.getLogger(ArmadaNode.class.getName());

    @Inject
    Config config;

    @Inject
    @Any
    Instance<BindableService> services;

    @Inject
    MetricRegistry metricRegistry;

    private NodeConfig nodeConfig;
    private NodeIdentity identity;
    private TableManager tables;
    private volatile GrpcApiServer api;
    private io.armadakv.node.api.LeaderForwarder forwarder;
    private io.armadakv.node.replication.ReplicationEndpoint replication;

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object event) {
        start();
    }

    synchronized void start() {
        if (tables != null) {
            return;
        }
        nodeConfig = NodeConfig.from(config);
        // after Helidon configured logging from its properties, which would undo it
        io.armadakv.node.logging.LogSetup.read(config).apply();
        try {
            identity = NodeIdentity.loadOrCreate(nodeConfig.nodeHostDir());
            NodeMetrics metrics = new NodeMetrics(metricRegistry, nodeConfig.follower());
            tables = new TableManager(nodeConfig, metrics);
            tables.start();
            tables.registerUntilDone(MemberInfo.newBuilder()
                    .setNodeId(nodeConfig.nodeId())
                    .setUuid(identity.id())
                    .setName(nodeConfig.nodeName())
                    .setApiUrl(nodeConfig.apiAdvertiseAddress())
                    .setRaftAddress(nodeConfig.raftAddress().hostPort())
                    .build());
            if (nodeConfig.follower()) {
                forwarder = new io.armadakv.node.api.LeaderForwarder(nodeConfig.replication().leaderApi(),
                        nodeConfig.replication().leaderApiTls(), tables, nodeConfig.defaultTimeoutMs(),
                        nodeConfig.maxRecvMessageSize());
            } else if (nodeConfig.replication().address() != null) {
                replication = io.armadakv.node.replication.ReplicationEndpoint.start(nodeConfig, tables);
            }
            boolean maintenance = new io.armadakv.node.config.ConfigReader(config)
                    .bool(io.armadakv.node.config.ConfigKeys.MAINTENANCE_ENABLED);
            // the replica service is the follower's apply path: a leader cluster must not offer it;
            // a switched-off maintenance service is not registered, so its calls answer UNIMPLEMENTED
            api = GrpcApiServer.start(nodeConfig, services.stream()
                    .filter(s -> nodeConfig.follower() || !(s instanceof io.armadakv.node.api.ReplicaService))
                    .filter(s -> maintenance || !(s instanceof io.armadakv.node.api.MaintenanceService))
                    .toList(), List.of(metrics.requests(), tokens()));
        } catch (io.armadakv.node.tls.TlsFileException e) {
            // unusable certificate files are a configuration error: the launcher exits with 2
            stop();
            throw new io.armadakv.node.config.ConfigException(e.getMessage());
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        LOG.info("Armada " + (nodeConfig.follower() ? "follower" : "leader") + " node " + nodeConfig.nodeId()
                + " (" + identity.id() + ") serving the API on " + nodeConfig.api().url() + ", Raft on "
                + nodeConfig.raftAddress().hostPort()
                + (replication != null ? ", replication (QUIC) on " + replication.address() : "")
                + (nodeConfig.follower() ? ", forwarding writes to " + nodeConfig.replication().leaderApi().stream()
                        .map(io.armadakv.node.config.Endpoint::url).toList() : ""));
    }

    private io.armadakv.node.api.TokenAuthInterceptor tokens() {
        io.armadakv.node.config.ConfigReader r = new io.armadakv.node.config.ConfigReader(config);
        return new io.armadakv.node.api.TokenAuthInterceptor(java.util.Map.of(
                armada.v1.TablesGrpc.SERVICE_NAME, r.string(io.armadakv.node.config.ConfigKeys.TABLES_TOKEN),
                maintenance.v1.MaintenanceGrpc.SERVICE_NAME, r.string(io.armadakv.node.config.ConfigKeys.MAINTENANCE_TOKEN),
                io.armadakv.proto.internal.ReplicaGrpc.SERVICE_NAME,
                r.string(io.armadakv.node.config.ConfigKeys.REPLICATION_TOKEN)));
    }

    @PreDestroy
    synchronized void stop() {
        if (api != null) {
            api.close();
            api = null;
        }
        if (replication != null) {
            replication.close();
            replication = null;
        }
        if (forwarder != null) {
            forwarder.close();
            forwarder = null;
        }
        if (tables != null) {
            tables.close();
            tables = null;
        }
    }

    /** Whether the client API port is up: the node can serve requests. */
    public boolean serving() {
        return api != null;
    }

    public NodeConfig nodeConfig() {
        return nodeConfig;
    }

    public NodeIdentity identity() {
        return identity;
    }

    /** On a follower node, where client writes go; null on the leader cluster. */
    public io.armadakv.node.api.LeaderForwarder forwarder() {
        return forwarder;
    }

    public TableManager tables() {
        return tables;
    }

    public Config config() {
        return config;
    }
}
