package io.armadakv.node.table;

import com.google.protobuf.ByteString;
import io.armadakv.node.storage.KeyRange;
import io.armadakv.node.storage.KeyValue;
import io.armadakv.node.storage.RangeQuery;
import io.armadakv.node.storage.RestoreInProgressException;
import io.armadakv.node.storage.StoreOptions;
import io.armadakv.node.storage.TableStore;
import mvcc.v1.Mvcc;
import mvcc.v1.Mvcc.Command;
import mvcc.v1.Mvcc.CommandResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Maintenance.Restore as the table log carries it: RESTORE entries stage keys invisibly,
 * RESTORE_COMMIT swaps them in at one new revision; the same entries replayed on a follower
 * table (through the replication path) give the same table; a reset follower refuses the log.
 */
class RestoreApplyTest {

    private static final long ID = 0x5eedL;

    @TempDir
    Path tmp;

    private long index;

    private TableStore open(String name) {
        return TableStore.open(tmp.resolve(name), new StoreOptions(name, false));
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static Command put(String key, String value) {
        return Command.newBuilder().setType(Command.CommandType.PUT)
                .setKv(Mvcc.KeyValue.newBuilder().setKey(bs(key)).setValue(bs(value))).build();
    }

    private static Command stage(long id, String... keyValues) {
        Command.Builder c = Command.newBuilder().setType(Command.CommandType.RESTORE).setRestoreId(id);
        for (int i = 0; i < keyValues.length; i += 2) {
            c.addBatch(Mvcc.KeyValue.newBuilder().setKey(bs(keyValues[i])).setValue(bs(keyValues[i + 1])));
        }
        return c.build();
    }

    private static Command commit(long id, long keys) {
        return Command.newBuilder().setType(Command.CommandType.RESTORE_COMMIT).setRestoreId(id)
                .setLoad(Mvcc.SnapshotLoad.newBuilder().setVersions(keys)).build();
    }

    private List<CommandResult> apply(TableStore store, CommandApplier applier, Command c) {
        return store.apply(++index, 1, -1, w -> applier.apply(w, c));
    }

    private static List<String> live(TableStore store, long revision) {
        List<String> out = new ArrayList<>();
        for (KeyValue kv : store.range(RangeQuery.of(KeyRange.all()).withRevision(revision)).kvs()) {
            out.add(new String(kv.key(), StandardCharsets.UTF_8) + "=" + new String(kv.value(), StandardCharsets.UTF_8)
                    + "@" + kv.createRevision() + "/" + kv.modRevision() + "/" + kv.version());
        }
        return out;
    }

    /** A staged restore shows as the refusal of a follower snapshot (it would lack the keys staged before it). */
    private static boolean restoreStaged(TableStore store) throws java.io.IOException {
        try {
            store.exportVersions(1024, (p, b) -> { }, new AtomicLong());
            return false;
        } catch (RestoreInProgressException e) {
            return true;
        }
    }

    @Test
    void stagedKeysAreInvisibleUntilTheCommitSwapsThemInAtOneRevision() throws Exception {
        try (TableStore store = open("t")) {
            CommandApplier applier = new CommandApplier("t");
            List<Command> log = new ArrayList<>();
            for (Command c : List.of(put("a", "1"), put("b", "1"), put("c", "1"))) {
                log.add(c);
                apply(store, applier, c);
            }
            List<String> before = live(store, 0);
            Command s1 = stage(ID, "b", "new-b");
            Command s2 = stage(ID, "d", "new-d");
            apply(store, applier, s1);
            apply(store, applier, s2);
            assertEquals(before, live(store, 0), "staged keys must not be visible");
            assertEquals(3, store.revision());
            // a follower snapshot now would miss the keys staged before its point
            assertTrue(restoreStaged(store));

            // a Raft snapshot taken mid-restore carries the staging: the copy commits the same way
            ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
            store.exportSnapshot(snapshot);
            long indexAtSnapshot = index;

            List<CommandResult> committed = apply(store, applier, commit(ID, 2));
            assertEquals(4, committed.getFirst().getRevision());
            assertEquals(List.of("b=new-b@4/4/1", "d=new-d@4/4/1"), live(store, 0));
            assertEquals(before, live(store, 3), "history before the restore stays readable until compacted");
            assertTrue(!restoreStaged(store));

            Path copyDir = tmp.resolve("copy2");
            TableStore.importSnapshot(copyDir, new ByteArrayInputStream(snapshot.toByteArray()),
                    new StoreOptions("t", false));
            try (TableStore copy = TableStore.open(copyDir, new StoreOptions("t", false))) {
                CommandApplier copyApplier = new CommandApplier("t");
                copy.apply(indexAtSnapshot + 1, 1, -1, w -> copyApplier.apply(w, commit(ID, 2)));
                assertEquals(store.contentHash(), copy.contentHash());
            }
        }
    }

    @Test
    void aCommitOfAnotherRestoreOrAnotherCountIsRefusedAndAnAbortDropsTheStaging() throws Exception {
        try (TableStore store = open("t")) {
            CommandApplier applier = new CommandApplier("t");
            apply(store, applier, put("a", "1"));
            apply(store, applier, stage(ID, "x", "1", "y", "2"));
            assertThrows(InvalidCommandException.class, () -> apply(store, applier, commit(ID, 3)));
            assertThrows(InvalidCommandException.class, () -> apply(store, applier, commit(ID + 1, 2)));
            assertEquals(List.of("a=1@1/1/1"), live(store, 0));
            // a second restore replaces the first one's staging
            apply(store, applier, stage(ID + 1, "z", "3"));
            assertThrows(InvalidCommandException.class, () -> apply(store, applier, commit(ID, 2)));
            apply(store, applier, Command.newBuilder().setType(Command.CommandType.RESTORE_ABORT)
                    .setRestoreId(ID + 1).build());
            assertTrue(!restoreStaged(store));
            // an empty restore empties the table
            apply(store, applier, commit(ID + 2, 0));
            assertEquals(List.of(), live(store, 0));
            assertEquals(2, store.revision());
            assertThrows(InvalidCommandException.class, () -> apply(store, applier,
                    stage(0, "k", "v")), "a restore id of 0 is refused");
        }
    }

    @Test
    void aFollowerAppliesTheReplicatedRestoreToTheSameTableAndAResetRefusesTheLog() {
        try (TableStore leader = open("leader"); TableStore follower = open("follower")) {
            CommandApplier leaderApplier = new CommandApplier("t");
            ReplicaApplier replica = new ReplicaApplier("t", new CommandApplier("t"));
            List<Command> entries = List.of(put("a", "1"), put("b", "2"), stage(ID, "b", "3", "c", "4"), commit(ID, 2),
                    put("e", "5"));
            long leaderIndex = 0;
            long followerIndex = 0;
            for (Command c : entries) {
                long li = ++leaderIndex;
                CommandResult r = leader.apply(li, 1, -1, w -> leaderApplier.apply(w, c)).getFirst();
                // what LeaderLog sends: the command stamped with its index and the revision it got
                Command replicated = c.toBuilder().setLeaderIndex(li).setRevision(r.getRevision()).build();
                Command seq = Command.newBuilder().setType(Command.CommandType.SEQUENCE).setLeaderIndex(li)
                        .addSequence(replicated).build();
                follower.apply(++followerIndex, 1, -1, w -> replica.apply(w, seq));
            }
            assertEquals(leader.contentHash(), follower.contentHash());
            assertEquals(5, follower.leaderIndex());

            // Maintenance.Reset: the cursor goes to 0, the content stays readable
            List<String> content = live(follower, 0);
            Command reset = Command.newBuilder().setType(Command.CommandType.DUMMY).setLeaderIndex(0).build();
            follower.apply(++followerIndex, 1, -1, w -> replica.apply(w, reset));
            assertEquals(0, follower.leaderIndex());
            assertEquals(content, live(follower, 0));
            // replaying the log from 1 over the content would diverge: refused, a snapshot must reload it
            Command first = Command.newBuilder().setType(Command.CommandType.SEQUENCE).setLeaderIndex(1)
                    .addSequence(put("a", "1").toBuilder().setLeaderIndex(1).setRevision(1)).build();
            long next = ++followerIndex;
            InvalidCommandException e = assertThrows(InvalidCommandException.class,
                    () -> follower.apply(next, 1, -1, w -> replica.apply(w, first)));
            assertTrue(e.getMessage().contains("reset"), e.getMessage());
        }
    }
}
