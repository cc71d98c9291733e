package io.armadakv.node.health;

import io.armadakv.node.ArmadaNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** {@code /health/live}: up while the client API port is serving. */
@Liveness
@ApplicationScoped
public class LivenessCheck implements HealthCheck {

    @Inject
    ArmadaNode node;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("api").status(node.serving()).build();
    }
}
