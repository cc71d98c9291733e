package io.armadakv.node.table;

import com.google.protobuf.ByteString;
import io.armadakv.node.storage.StoreOptions;
import io.armadakv.node.storage.TableStore;
import mvcc.v1.Mvcc;
import mvcc.v1.Mvcc.Command;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CommandApplierTest {

    @TempDir
    Path tmp;

    private static Command put(String key) {
        return Command.newBuilder().setType(Command.CommandType.PUT).setKv(Mvcc.KeyValue.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v"))).build();
    }

    private static Command gc(long revision) {
        return Command.newBuilder().setType(Command.CommandType.GC).setRevision(revision).build();
    }

    @Test
    void compactionsCommittedTogetherSeeEachOther() {
        CommandApplier applier = new CommandApplier("t");
        try (TableStore store = TableStore.open(tmp.resolve("t"), new StoreOptions("t", false))) {
            List<TableStore.Entry<Object>> entries = new ArrayList<>();
            List<Command> commands = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                commands.add(put("k" + (i % 2)));
            }
            // a stale compaction after a newer one in the same commit is a no-op, as on its own
            commands.addAll(List.of(gc(3), gc(2), gc(4), gc(4)));
            for (int i = 0; i < commands.size(); i++) {
                Command c = commands.get(i);
                entries.add(new TableStore.Entry<>(i + 1, 1, w -> applier.apply(w, c)));
            }
            store.applyAll(entries);
            assertEquals(10, store.appliedIndex());
            assertEquals(6, store.revision());
            assertEquals(4, store.compactedRevision());
        }
    }

    private static Command gcStep(long revision, ByteString from, long limit) {
        return Command.newBuilder().setType(Command.CommandType.GC).setRevision(revision).setGcFrom(from)
                .setGcLimit(limit).build();
    }

    @Test
    void aSteppedCompactionAnswersWhereToGoOnAndRepeatedOrStaleStepsChangeNothing() {
        CommandApplier applier = new CommandApplier("t");
        try (TableStore store = TableStore.open(tmp.resolve("t"), new StoreOptions("t", false))) {
            long[] index = {0};
            java.util.function.Function<Command, Mvcc.CommandResult> apply = c -> store.apply(++index[0], 1, -1,
                    w -> applier.apply(w, c)).getFirst();
            for (int i = 0; i < 30; i++) {
                apply.apply(put("k" + (i % 10))); // three versions of each of ten keys
            }
            Mvcc.CommandResult first = apply.apply(gcStep(25, ByteString.EMPTY, 4));
            assertEquals(25, store.compactedRevision());
            assertEquals("k2", first.getGcNext().toStringUtf8(), "stops at a key boundary after 4 versions");
            // the same first step again (a retried proposal) is a no-op and answers no resume point
            assertEquals(ByteString.EMPTY, apply.apply(gcStep(25, ByteString.EMPTY, 4)).getGcNext());
            ByteString next = first.getGcNext();
            int steps = 1;
            while (!next.isEmpty()) {
                next = apply.apply(gcStep(25, next, 4)).getGcNext();
                steps++;
            }
            assertEquals(5, steps);
            // a step of a compaction a newer one superseded is a no-op
            apply.apply(gcStep(28, ByteString.EMPTY, 100));
            assertEquals(ByteString.EMPTY, apply.apply(gcStep(25, ByteString.copyFromUtf8("k5"), 4)).getGcNext());
            assertEquals(28, store.compactedRevision());
            assertEquals(10, store.keyCount());
        }
    }
}
