package io.armadakv.node.table;

import com.google.protobuf.ByteString;
import io.armadakv.node.storage.StoreOptions;
import io.armadakv.node.storage.TableStore;
import mvcc.v1.Mvcc;
import mvcc.v1.Mvcc.Command;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The apply invariants of a follower table (ARCHITECTURE.md section 4). */
class ReplicaApplierTest {

    @TempDir
    Path tmp;

    private long index;

    private static Command put(String key, long leaderIndex, long revision) {
        return Command.newBuilder().setType(Command.CommandType.PUT).setLeaderIndex(leaderIndex).setRevision(revision)
                .setKv(Mvcc.KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8("v" + revision))).build();
    }

    private static Command dummy(long leaderIndex) {
        return Command.newBuilder().setType(Command.CommandType.DUMMY).setLeaderIndex(leaderIndex).build();
    }

    private static Command sequence(Command... commands) {
        Command.Builder b = Command.newBuilder().setType(Command.CommandType.SEQUENCE);
        for (Command c : commands) {
            b.addSequence(c).setLeaderIndex(c.getLeaderIndex());
        }
        return b.build();
    }

    private void apply(TableStore store, ReplicaApplier applier, Command entry) {
        store.apply(++index, 1, -1, w -> applier.apply(w, entry));
    }

    @Test
    void appliesAtTheLeadersRevisionsSkipsWhatItHasAndRefusesGaps() {
        try (TableStore store = TableStore.open(tmp.resolve("t"), new StoreOptions("t", false))) {
            ReplicaApplier applier = new ReplicaApplier("t", new CommandApplier("t"));
            // leader entry 1 was an election, entry 2 a batch of two writes, entry 3 one write
            apply(store, applier, sequence(dummy(1), put("a", 2, 1), put("b", 2, 2), put("a", 3, 3)));
            assertEquals(3, store.leaderIndex());
            assertEquals(3, store.revision());

            // a replicator that retries sends entries 2 and 3 again, then 4: only 4 is new
            apply(store, applier, sequence(put("a", 2, 1), put("b", 2, 2), put("a", 3, 3), put("c", 4, 4)));
            assertEquals(4, store.leaderIndex());
            assertEquals(4, store.revision());

            // entry 5 is missing: nothing of 6 may be applied
            assertThrows(InvalidCommandException.class,
                    () -> apply(store, applier, sequence(put("d", 6, 5))));
            assertEquals(4, store.leaderIndex());
            assertEquals(4, store.revision());

            // a client command never gets into a follower table
            assertThrows(InvalidCommandException.class, () -> apply(store, applier, put("x", 0, 0)));

            // the leader gave entry 5's write revision 9: this table has diverged and must say so
            assertThrows(DivergenceException.class, () -> apply(store, applier, sequence(put("d", 5, 9))));
            assertEquals(4, store.revision());
        }
    }
}
