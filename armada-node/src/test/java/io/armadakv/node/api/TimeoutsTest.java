package io.armadakv.node.api;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimeoutsTest {

    @Test
    void aRequestNotDoneInTimeFailsWithATimeout() {
        CompletableFuture<String> never = new CompletableFuture<>();
        CompletionException e = assertThrows(CompletionException.class, () -> Timeouts.within(never, 50).join());
        assertTrue(e.getCause() instanceof TimeoutException, e.toString());
        // a result that comes later changes nothing
        never.complete("late");
        assertTrue(never.isCompletedExceptionally());
    }

    @Test
    void requestsDoneInTimeKeepTheirResultAndLeaveNoDeadlineBehind() throws Exception {
        int before = Timeouts.pending();
        List<CompletableFuture<Integer>> requests = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            requests.add(Timeouts.within(new CompletableFuture<>(), 60_000));
        }
        assertTrue(Timeouts.pending() >= before + 1000);
        for (int i = 0; i < requests.size(); i++) {
            requests.get(i).complete(i);
        }
        for (int i = 0; i < requests.size(); i++) {
            assertEquals(i, requests.get(i).get(1, TimeUnit.SECONDS));
        }
        assertEquals(before, Timeouts.pending(), "completed requests took their deadlines out");
        CompletableFuture<String> done = CompletableFuture.completedFuture("x");
        assertSame(done, Timeouts.within(done, 1));
        assertEquals(before, Timeouts.pending());
    }
}
