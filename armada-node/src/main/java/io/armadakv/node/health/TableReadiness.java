package io.armadakv.node.health;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether this node's tables can serve: every table needs a Raft leader, and on a follower
 * cluster every table must be within {@code maxLagEntries} of the leader cluster.
 */
public final class TableReadiness {

    /** What readiness needs to know of one table. @param leaderId 0 when the group has no leader */
    public record TableView(String name, long leaderId, long lagEntries) {
    }

    /** @param problems by table name, why that table is not ready; empty when ready */
    public record Result(boolean ready, Map<String, String> problems) {
    }

    private TableReadiness() {
    }

    public static Result evaluate(List<TableView> tables, boolean follower, long maxLagEntries) {
        Map<String, String> problems = new LinkedHashMap<>();
        for (TableView t : tables) {
            if (t.leaderId() == 0) {
                problems.put(t.name(), "no Raft leader");
            } else if (follower && t.lagEntries() > maxLagEntries) {
                problems.put(t.name(), "lags the leader cluster by " + t.lagEntries() + " entries (more than "
                        + maxLagEntries + ")");
            }
        }
        return new Result(problems.isEmpty(), problems);
    }
}
