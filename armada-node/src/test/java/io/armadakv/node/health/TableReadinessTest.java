package io.armadakv.node.health;

import io.armadakv.node.health.TableReadiness.TableView;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableReadinessTest {

    @Test
    void readyWhenEveryTableHasALeader() {
        TableReadiness.Result r = TableReadiness.evaluate(List.of(new TableView("a", 1, 0), new TableView("b", 3, 0)),
                false, 10);
        assertTrue(r.ready());
        assertEquals(Map.of(), r.problems());
    }

    @Test
    void aTableWithoutLeaderIsNamed() {
        TableReadiness.Result r = TableReadiness.evaluate(List.of(new TableView("a", 1, 0), new TableView("b", 0, 0)),
                false, 10);
        assertFalse(r.ready());
        assertEquals(Map.of("b", "no Raft leader"), r.problems());
    }

    @Test
    void lagCountsOnlyOnFollowersAndOnlyPastTheBound() {
        List<TableView> tables = List.of(new TableView("a", 1, 10), new TableView("b", 1, 11));
        assertTrue(TableReadiness.evaluate(tables, false, 10).ready(), "the leader cluster has no lag");
        TableReadiness.Result r = TableReadiness.evaluate(tables, true, 10);
        assertFalse(r.ready());
        assertEquals(Map.of("b", "lags the leader cluster by 11 entries (more than 10)"), r.problems());
    }

    @Test
    void noTablesIsReady() {
        assertTrue(TableReadiness.evaluate(List.of(), true, 0).ready());
    }
}
