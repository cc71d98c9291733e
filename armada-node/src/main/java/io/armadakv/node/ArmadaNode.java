package io.armadakv.node;

import io.armadakv.node.api.GrpcApiServer;
import io.armadakv.node.config.NodeConfig;
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

    private NodeConfig nodeConfig;
    private NodeIdentity identity;
    private TableManager tables;
    private GrpcApiServer api;

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object event) {
        start();
    }

    synchronized void start() {
        if (tables != null) {
            return;
        }
        nodeConfig = NodeConfig.from(config);
        try {
            identity = NodeIdentity.loadOrCreate(nodeConfig.nodeHostDir());
            tables = new TableManager(nodeConfig);
            tables.start();
            tables.registerUntilDone(MemberInfo.newBuilder()
                    .setNodeId(nodeConfig.nodeId())
                    .setUuid(identity.id())
                    .setName(nodeConfig.nodeName())
                    .setApiUrl(nodeConfig.apiAdvertiseAddress())
                    .setRaftAddress(nodeConfig.raftAddress().hostPort())
                    .build());
            api = GrpcApiServer.start(nodeConfig, List.copyOf(services.stream().toList()));
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        LOG.info("Armada node " + nodeConfig.nodeId() + " (" + identity.id() + ") serving the API on "
                + nodeConfig.api().url() + ", Raft on " + nodeConfig.raftAddress().hostPort());
    }

    @PreDestroy
    synchronized void stop() {
        if (api != null) {
            api.close();
            api = null;
        }
        if (tables != null) {
            tables.close();
            tables = null;
        }
    }

    public NodeConfig nodeConfig() {
        return nodeConfig;
    }

    public NodeIdentity identity() {
        return identity;
    }

    public TableManager tables() {
        return tables;
    }

    public Config config() {
        return config;
    }
}
