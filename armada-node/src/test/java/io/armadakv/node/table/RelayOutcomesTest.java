package io.armadakv.node.table;

import io.armadakv.node.storage.StoreException;
import mvcc.v1.Mvcc.CommandResult;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A relayed write fails at the sender with the exception, and so the status, it had at the leader. */
class RelayOutcomesTest {

    private static ProposalBatcher.Outcome roundTrip(ProposalBatcher.Outcome o) throws Exception {
        return RelayOutcomes.decode(io.armadakv.proto.internal.RelayOutcome.parseFrom(
                RelayOutcomes.encode(o).toByteArray()));
    }

    @Test
    void resultsTravelWhole() throws Exception {
        CommandResult r = CommandResult.newBuilder().setRevision(42).setSucceeded(true).build();
        ProposalBatcher.Outcome back = roundTrip(ProposalBatcher.Outcome.of(r));
        assertEquals(r, back.result());
        assertNull(back.error());
    }

    @Test
    void everyFailureKeepsItsKindAndItsMessage() throws Exception {
        List<RuntimeException> failures = List.of(
                new TableUnavailableException("table t: no leader", null),
                new WritesOverloadedException("table t is overloaded: 5000 writes wait"),
                new InvalidCommandException("t", "nested SEQUENCE commands are not allowed"),
                new StoreException("table t: disk full"),
                new IllegalStateException("table t: bad apply reply"));
        for (RuntimeException e : failures) {
            ProposalBatcher.Outcome back = roundTrip(ProposalBatcher.Outcome.failed(e));
            assertNull(back.result());
            assertEquals(e.getClass(), back.error().getClass(), e.toString());
            assertEquals(e.getMessage(), back.error().getMessage());
        }
        // a kind the sender cannot tell apart becomes an internal error, never a success
        ProposalBatcher.Outcome odd = roundTrip(ProposalBatcher.Outcome.failed(new ArithmeticException("odd")));
        assertEquals(IllegalStateException.class, odd.error().getClass());
        assertEquals("odd", odd.error().getMessage());
    }
}
