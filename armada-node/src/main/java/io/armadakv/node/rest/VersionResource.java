package io.armadakv.node.rest;

import io.armadakv.node.ArmadaNode;
import io.armadakv.node.Version;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /version}: which build and which node answers, for operators and scripts. */
@Path("/version")
@ApplicationScoped
public class VersionResource {

    @Inject
    ArmadaNode node;

    public record VersionInfo(String version, String nodeId, long raftNodeId) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public VersionInfo version() {
        return new VersionInfo(Version.get(), node.identity().id(), node.nodeConfig().nodeId());
    }
}
