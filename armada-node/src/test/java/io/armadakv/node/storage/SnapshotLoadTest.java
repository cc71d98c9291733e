package io.armadakv.node.storage;

import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.StoreConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A leader's versions exported, staged in another store and committed: the same table comes out. */
class SnapshotLoadTest {

    @TempDir
    Path tmp;

    private static byte[] s(String v) {
        return v.getBytes(StandardCharsets.UTF_8);
    }

    private TableStore open(String name) {
        return TableStore.open(tmp.resolve(name), new StoreOptions(name, false));
    }

    private static TableStore leaderWithHistory(TableStore leader) {
        for (int i = 1; i <= 30; i++) {
            int n = i;
            leader.apply(i, 1, -1, w -> w.put(s("k" + (n % 7)), s("v" + n), false));
        }
        leader.apply(31, 1, -1, w -> w.deleteRange(KeyRange.single(s("k3")), false));
        leader.apply(32, 1, -1, w -> w.compact(10));
        leader.apply(33, 1, -1, w -> w.put(s("k9"), s("late"), false));
        return leader;
    }

    private static List<List<VersionRecord>> export(TableStore store, SnapshotPoint[] point, AtomicLong count)
            throws IOException {
        List<List<VersionRecord>> batches = new ArrayList<>();
        point[0] = store.exportVersions(64, (at, batch) -> batches.add(List.copyOf(batch)), count);
        return batches;
    }

    @Test
    void stagedVersionsReplaceTheTableAtOnceWhenCommitted() throws IOException {
        try (TableStore leader = leaderWithHistory(open("leader")); TableStore follower = open("follower")) {
            follower.apply(1, 1, 5, w -> w.put(s("stale"), s("gone after the load"), false));
            SnapshotPoint[] point = new SnapshotPoint[1];
            AtomicLong count = new AtomicLong();
            List<List<VersionRecord>> batches = export(leader, point, count);
            assertEquals(new SnapshotPoint(33, leader.revision(), 10), point[0]);

            long index = 2;
            for (List<VersionRecord> batch : batches) {
                follower.apply(index++, 1, -1, w -> {
                    w.stage(point[0], batch);
                    return null;
                });
                // staging is invisible: the old content stays readable until the commit
                assertEquals(1, follower.keyCount());
            }
            // a batch staged twice (a replicator that retried) is kept once
            follower.apply(index++, 1, -1, w -> {
                w.stage(point[0], batches.getFirst());
                return null;
            });
            follower.apply(index, 1, -1, w -> {
                w.commitStaged(point[0], count.get());
                return null;
            });

            assertEquals(leader.contentHash(), follower.contentHash());
            assertEquals(33, follower.leaderIndex());
            assertEquals(10, follower.compactedRevision());
            assertEquals(leader.revision(), follower.revision());
            // history above the compaction point came along and reads the same
            RangeQuery past = RangeQuery.of(KeyRange.all()).withRevision(20);
            assertEquals(Render.result(leader.range(past)), Render.result(follower.range(past)));
            assertEquals(List.of(), follower.range(RangeQuery.of(KeyRange.single(s("stale")))).kvs());
            assertThrows(CompactedRevisionException.class, () -> follower.range(RangeQuery.of(KeyRange.all()).withRevision(5)));
        }
    }

    @Test
    void aCommitThatDoesNotMatchTheStagedSnapshotChangesNothing() throws IOException {
        try (TableStore leader = leaderWithHistory(open("leader")); TableStore follower = open("follower")) {
            SnapshotPoint[] point = new SnapshotPoint[1];
            AtomicLong count = new AtomicLong();
            List<List<VersionRecord>> batches = export(leader, point, count);
            follower.apply(1, 1, -1, w -> {
                w.stage(point[0], batches.getFirst());
                return null;
            });
            byte[] before = follower.contentHash().sha256Hex().getBytes(StandardCharsets.US_ASCII);
            assertThrows(StagingMismatchException.class, () -> follower.apply(2, 1, -1, w -> {
                w.commitStaged(point[0], count.get());
                return null;
            }));
            SnapshotPoint other = new SnapshotPoint(34, point[0].revision(), 10);
            assertThrows(StagingMismatchException.class, () -> follower.apply(2, 1, -1, w -> {
                w.commitStaged(other, batches.getFirst().size());
                return null;
            }));
            assertArrayEquals(before, follower.contentHash().sha256Hex().getBytes(StandardCharsets.US_ASCII));
            assertEquals(0, follower.leaderIndex());
        }
    }

    @Test
    void aNodeThatCopiesAPeerMidLoadCommitsTheLoadLikeItsPeer() throws IOException {
        try (TableStore leader = leaderWithHistory(open("leader")); TableStore follower = open("follower")) {
            SnapshotPoint[] point = new SnapshotPoint[1];
            AtomicLong count = new AtomicLong();
            List<List<VersionRecord>> batches = export(leader, point, count);
            for (int i = 0; i < batches.size(); i++) {
                List<VersionRecord> batch = batches.get(i);
                follower.apply(i + 1, 1, -1, w -> {
                    w.stage(point[0], batch);
                    return null;
                });
            }
            // a peer of the follower catches up from its store while the load is staged
            java.io.ByteArrayOutputStream copy = new java.io.ByteArrayOutputStream();
            follower.exportSnapshot(copy);
            Path peerDir = tmp.resolve("peer");
            TableStore.importSnapshot(peerDir, new java.io.ByteArrayInputStream(copy.toByteArray()),
                    new StoreOptions("peer", false));
            try (TableStore peer = TableStore.open(peerDir, new StoreOptions("peer", false))) {
                for (TableStore s : List.of(follower, peer)) {
                    s.apply(batches.size() + 1, 1, -1, w -> {
                        w.commitStaged(point[0], count.get());
                        return null;
                    });
                    assertEquals(leader.contentHash(), s.contentHash());
                }
            }
        }
    }

    /** Stores of earlier versions have B-tree pages of 128 entries; they must read and grow as before. */
    @Test
    void entryRevisionsWrittenInLargerPagesStayReadableAndWritable() {
        open("old").close();
        Environment env = Environments.newInstance(
                tmp.resolve("old").toFile(), new EnvironmentConfig().setTreeMaxPageSize(128));
        try {
            env.executeInExclusiveTransaction(txn -> {
                Store revisions = env.openStore(Stores.REVISIONS, StoreConfig.USE_EXISTING, txn);
                for (long index = 1; index <= 1000; index++) {
                    revisions.put(txn, new ArrayByteIterable(MetaKeys.longValue(index)),
                            new ArrayByteIterable(EntryRevisions.encode(new long[] {index})));
                }
            });
        } finally {
            env.close();
        }
        try (TableStore store = open("old")) {
            for (long index = 1001; index <= 1300; index++) {
                long entry = index;
                store.apply(index, 1, -1, w -> {
                    w.recordRevisions(new long[] {entry});
                    return null;
                });
            }
            store.forgetRevisionsBelow(500);
            long[][] all = store.entryRevisions(1, 1300);
            for (int i = 0; i < 1300; i++) {
                long index = i + 1;
                if (index < 500) {
                    assertNull(all[i], "entry " + index + " was forgotten");
                } else {
                    assertArrayEquals(new long[] {index}, all[i], "entry " + index);
                }
            }
        }
    }

    @Test
    void entryRevisionsAreKeptUntilForgotten() {
        try (TableStore store = open("t")) {
            store.apply(1, 1, -1, w -> {
                w.put(s("a"), s("1"), false);
                w.put(s("b"), s("2"), false);
                w.recordRevisions(new long[] {1, 2, 2});
                return null;
            });
            store.apply(2, 1, -1, w -> {
                w.recordRevisions(new long[0]);
                return null;
            });
            long[][] range = store.entryRevisions(1, 3);
            assertArrayEquals(new long[] {1, 2, 2}, range[0]);
            assertArrayEquals(new long[0], range[1]);
            assertNull(range[2]);
            store.forgetRevisionsBelow(2);
            long[][] after = store.entryRevisions(1, 2);
            assertNull(after[0]);
            assertArrayEquals(new long[0], after[1]);
        }
    }
}
