package io.armadakv.node.health;

import io.armadakv.node.ArmadaNode;
import io.armadakv.node.config.ConfigKeys;
import io.armadakv.node.config.ConfigReader;
import io.armadakv.node.table.Table;
import io.armadakv.node.table.TableManager;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code /health/ready}: up when every hosted table has a Raft leader and, on a follower
 * cluster, lags the leader cluster by at most {@code health.max-lag-entries}; the JSON body
 * names each table that is not ready and why.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    static final String NAME = "tables";

    @Inject
    ArmadaNode node;

    @Override
    public HealthCheckResponse call() {
        TableManager manager = node.tables();
        if (manager == null || !node.serving()) {
            return HealthCheckResponse.named(NAME).down().withData("node", "starting or stopping").build();
        }
        long maxLag = new ConfigReader(node.config()).nonNegativeLong(ConfigKeys.HEALTH_MAX_LAG_ENTRIES);
        boolean follower = node.nodeConfig().follower();
        List<TableReadiness.TableView> views = new ArrayList<>();
        for (Table t : manager.tables()) {
            long lag;
            try {
                lag = follower ? t.replicationLagEntries() : 0;
            } catch (RuntimeException e) {
                lag = Long.MAX_VALUE; // the store is not open: certainly not ready to serve
            }
            views.add(new TableReadiness.TableView(t.name(), t.termAndLeader()[1], lag));
        }
        TableReadiness.Result result = TableReadiness.evaluate(views, follower, maxLag);
        HealthCheckResponseBuilder b = HealthCheckResponse.named(NAME).status(result.ready())
                .withData("hosted", views.size());
        result.problems().forEach(b::withData);
        return b.build();
    }
}
