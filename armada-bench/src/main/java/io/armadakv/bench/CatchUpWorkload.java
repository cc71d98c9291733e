package io.armadakv.bench;

import armada.v1.TableStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Watches a follower that is far behind catch up: from its first step forward until it holds
 * the leader's newest entry, how many leader entries and writes per second it took in.
 */
@Command(name = "catchup", mixinStandardHelpOptions = true,
        description = "Measure a follower's catch-up rate; start it (or its replicator) far behind, then run this")
final class CatchUpWorkload implements Callable<Integer> {

    @Option(names = "--follower", required = true, description = "host:port of a follower node's API")
    String follower;

    @Option(names = "--table", description = "table to watch (default ${DEFAULT-VALUE})")
    String table = "bench";

    @Option(names = "--value-size", description = "bytes per write, for the MB/s estimate (default ${DEFAULT-VALUE})")
    int valueSize = 256;

    @Option(names = "--timeout-seconds", description = "give up after (default ${DEFAULT-VALUE})")
    int timeoutSeconds = 600;

    @Option(names = "--leader", required = true, description = "host:port of a leader node's API (the target)")
    String leader;

    @Override
    public Integer call() throws Exception {
        try (TableWatch watch = new TableWatch(follower, table);
             TableWatch target = new TableWatch(leader, table)) {
            TableStatus leaderNow = target.status();
            TableStatus before = watch.status();
            if (leaderNow == null || before == null) {
                System.err.println("table " + table + " is missing on the leader or the follower");
                return 1;
            }
            long goal = leaderNow.getLeaderIndex();
            long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
            // the clock starts at the follower's first step forward, not at the replicator's start-up
            TableStatus s = before;
            while (s.getLeaderIndex() == before.getLeaderIndex() && s.getLeaderIndex() < goal
                    && System.nanoTime() < deadline) {
                Thread.sleep(2);
                s = orElse(watch.status(), s);
            }
            long start = System.nanoTime();
            TableStatus first = s;
            while (s.getLeaderIndex() < goal && System.nanoTime() < deadline) {
                Thread.sleep(5);
                s = orElse(watch.status(), s);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long entries = s.getLeaderIndex() - first.getLeaderIndex();
            long writes = s.getRevision() - first.getRevision();
            System.out.printf(Locale.ROOT, "caught up %,d leader entries (%,d writes) in %.2f s: %,.0f entries/s, "
                            + "%,.0f writes/s, ~%.1f MB/s of values%n", entries, writes, seconds, entries / seconds,
                    writes / seconds, writes * (double) valueSize / seconds / 1e6);
            return s.getLeaderIndex() >= goal ? 0 : 1;
        }
    }

    private static TableStatus orElse(TableStatus s, TableStatus fallback) {
        return s == null ? fallback : s;
    }
}
