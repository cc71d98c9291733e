package io.armadakv.node.it;

import armada.v1.ClusterGrpc;
import armada.v1.CreateTableRequest;
import armada.v1.DeleteTableRequest;
import armada.v1.ListTablesRequest;
import armada.v1.Member;
import armada.v1.MemberListRequest;
import armada.v1.MemberListResponse;
import armada.v1.RangeRequest;
import armada.v1.RangeResponse;
import armada.v1.StatusRequest;
import armada.v1.StatusResponse;
import armada.v1.TableInfo;
import armada.v1.TableStatus;
import armada.v1.TablesGrpc;
import armada.v1.TxnRequest;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.armadakv.node.it.Api.OPEN_END;
import static io.armadakv.node.it.Api.all;
import static io.armadakv.node.it.Api.assertHeader;
import static io.armadakv.node.it.Api.assertStatus;
import static io.armadakv.node.it.Api.bs;
import static io.armadakv.node.it.Api.createTable;
import static io.armadakv.node.it.Api.get;
import static io.armadakv.node.it.Api.kv;
import static io.armadakv.node.it.Api.put;
import static io.armadakv.node.it.Api.putOp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tables and Cluster services, and what survives a kill -9 and restart of the node. */
class TablesApiIT {

    @TempDir
    static Path dir;

    static ArmadaProcess node;
    static ManagedChannel ch;

    @BeforeAll
    static void start() {
        node = ArmadaProcess.start(dir.resolve("tables"));
        ch = node.channel();
    }

    @AfterAll
    static void shutdown() {
        if (node != null) {
            node.close();
        }
    }

    private static TablesGrpc.TablesBlockingStub tables() {
        return TablesGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static ClusterGrpc.ClusterBlockingStub cluster() {
        return ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static List<TableInfo> list() {
        return tables().list(ListTablesRequest.getDefaultInstance()).getTablesList();
    }

    private static Map<String, Long> listIds() {
        Map<String, Long> out = new HashMap<>();
        for (TableInfo t : list()) {
            out.put(t.getName(), Long.parseLong(t.getId()));
        }
        return out;
    }

    private static void assertSortedByName(List<TableInfo> tables) {
        List<String> names = new ArrayList<>();
        for (TableInfo t : tables) {
            names.add(t.getName());
            assertFalse(t.hasConfig(), "config is never filled");
        }
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(null);
        assertEquals(sorted, names, "List is sorted by name");
    }

    private static void deleteTable(String name) {
        tables().delete(DeleteTableRequest.newBuilder().setName(name).build());
    }

    @Test
    void createListDeleteAndRecreate() {
        long zeta = createTable(ch, "zeta");
        long alpha = createTable(ch, "alpha");
        long mid = createTable(ch, "mid");
        assertTrue(zeta >= 10001, "ids start at 10001: " + zeta);
        assertTrue(alpha > zeta && mid > alpha, "ids increase: " + zeta + ", " + alpha + ", " + mid);

        List<TableInfo> l = list();
        assertSortedByName(l);
        Map<String, Long> ids = listIds();
        assertEquals(zeta, ids.get("zeta"));
        assertEquals(alpha, ids.get("alpha"));
        assertEquals(mid, ids.get("mid"));
        for (TableInfo t : l) {
            assertEquals(Long.toString(Long.parseLong(t.getId())), t.getId(), "decimal id");
        }

        put(ch, "mid", "k", "v");
        put(ch, "mid", "k2", "v");
        assertHeader(get(ch, "mid", "k").getHeader(), mid, 2);
        deleteTable("mid");
        assertFalse(listIds().containsKey("mid"));
        assertStatus(Status.Code.NOT_FOUND, "table not found", () -> get(ch, "mid", "k"));
        assertStatus(Status.Code.NOT_FOUND, "table not found", () -> put(ch, "mid", "k", "v"));
        assertStatus(Status.Code.INVALID_ARGUMENT, "table not found", () -> deleteTable("mid"));
        assertFalse(cluster().status(StatusRequest.getDefaultInstance()).getTablesMap().containsKey("mid"));

        // recreated: a new id, never a reused one, and no old data
        long mid2 = createTable(ch, "mid");
        assertTrue(mid2 > mid, "a recreated table gets a new id: " + mid2 + " after " + mid);
        RangeResponse r = all(ch, "mid");
        assertEquals(0, r.getCount(), "the deleted table's data is gone");
        assertHeader(r.getHeader(), mid2, 0);
        assertHeader(put(ch, "mid", "k3", "v").getHeader(), mid2, 1);
        assertEquals(mid2, listIds().get("mid"));
        assertSortedByName(list());
    }

    @Test
    void tableErrors() {
        assertStatus(Status.Code.INVALID_ARGUMENT, "name must be set",
                () -> tables().create(CreateTableRequest.getDefaultInstance()));
        createTable(ch, "dup");
        put(ch, "dup", "k", "v");
        assertStatus(Status.Code.INVALID_ARGUMENT, "table already exists", () -> createTable(ch, "dup"));
        assertEquals(1, all(ch, "dup").getCount(), "a refused create leaves the table alone");
        assertStatus(Status.Code.INVALID_ARGUMENT, "table not found", () -> deleteTable("never-created"));
        assertStatus(Status.Code.INVALID_ARGUMENT, "name must be set",
                () -> tables().delete(DeleteTableRequest.getDefaultInstance()));
        assertEquals(1, list().stream().filter(t -> t.getName().equals("dup")).count());
    }

    @Test
    void clusterStatusAndMembers() {
        long id = createTable(ch, "status");
        for (int i = 0; i < 5; i++) {
            put(ch, "status", "k" + i, "v");
        }
        StatusResponse s = cluster().status(StatusRequest.getDefaultInstance());
        assertFalse(s.getId().isEmpty());
        assertFalse(s.getVersion().isEmpty());
        assertFalse(s.hasConfig(), "config only when asked");
        assertEquals(0, s.getErrorsCount(), "errors: " + s.getErrorsList());
        for (TableInfo t : list()) {
            assertTrue(s.getTablesMap().containsKey(t.getName()), "status of " + t.getName());
        }
        TableStatus ts = s.getTablesOrThrow("status");
        assertTrue(ts.getRaftTerm() > 0);
        assertTrue(ts.getRaftAppliedIndex() >= 5, "at least the 5 writes applied: " + ts);
        assertEquals(ts.getRaftAppliedIndex(), ts.getRaftIndex());
        assertEquals(s.getId(), ts.getLeader(), "this node leads its table");
        put(ch, "status", "k5", "v");
        TableStatus ts2 = cluster().status(StatusRequest.getDefaultInstance()).getTablesOrThrow("status");
        assertTrue(ts2.getRaftAppliedIndex() > ts.getRaftAppliedIndex(), "applied index moves with writes");
        assertEquals(id, put(ch, "status", "k6", "v").getHeader().getShardId());

        StatusResponse withConfig = cluster().status(StatusRequest.newBuilder().setConfig(true).build());
        assertTrue(withConfig.hasConfig());
        assertTrue(withConfig.getConfig().getFieldsMap().containsKey("raft.address"));

        MemberListResponse m = cluster().memberList(MemberListRequest.getDefaultInstance());
        assertEquals("default", m.getCluster());
        assertEquals(1, m.getMembersCount());
        Member me = m.getMembers(0);
        assertEquals(s.getId(), me.getId());
        assertFalse(me.getName().isEmpty());
        assertEquals(List.of("127.0.0.1:" + node.raftPort()), me.getPeerURLsList());
        assertEquals(1, me.getClientURLsCount());
        assertTrue(me.getClientURLs(0).endsWith("127.0.0.1:" + node.apiPort()), me.getClientURLs(0));
    }

    /**
     * After kill -9 and a restart on the same data directory: the same tables with the same ids,
     * every acknowledged write with its revision, history, a deleted table stays deleted, the
     * node id is stable and revisions continue at last acknowledged + 1.
     */
    @Test
    void everythingSurvivesKill9AndRestart() {
        long a = createTable(ch, "r-a");
        long b = createTable(ch, "r-b");
        long gone = createTable(ch, "r-gone");
        assertEquals(1, put(ch, "r-a", "k1", "v1").getHeader().getRevision());
        assertEquals(2, put(ch, "r-a", "k2", "v1").getHeader().getRevision());
        assertEquals(3, put(ch, "r-a", "k1", "v2").getHeader().getRevision());
        assertEquals(4, Api.delete(ch, "r-a", bs("k2"), ByteString.EMPTY, false).getHeader().getRevision());
        TxnRequest txn = TxnRequest.newBuilder().setTable(bs("r-a"))
                .addSuccess(putOp("t1", "x", false)).addSuccess(putOp("t2", "y", false)).build();
        assertEquals(5, kv(ch).txn(txn).getHeader().getRevision());
        for (int i = 0; i < 100; i++) {
            assertEquals(i + 1, put(ch, "r-b", String.format("b%03d", i), "v" + i).getHeader().getRevision());
        }
        // the last write of r-b before the kill is a DeleteRange
        assertEquals(101, Api.delete(ch, "r-b", bs("b099"), ByteString.EMPTY, false).getHeader().getRevision());
        put(ch, "r-gone", "k", "v");
        deleteTable("r-gone");
        RangeResponse aBefore = all(ch, "r-a");
        RangeResponse bBefore = all(ch, "r-b");
        Map<String, Long> idsBefore = listIds();
        String nodeId = cluster().status(StatusRequest.getDefaultInstance()).getId();
        assertEquals(a, idsBefore.get("r-a"));
        assertEquals(b, idsBefore.get("r-b"));

        node.kill9();
        assertFalse(node.isAlive());
        node.launch();

        assertEquals(idsBefore, listIds(), "same tables, same ids");
        assertSortedByName(list());
        StatusResponse s = cluster().status(StatusRequest.getDefaultInstance());
        assertEquals(nodeId, s.getId(), "node id is stable across restarts");
        assertFalse(s.getTablesMap().containsKey("r-gone"));
        Waits.until("every table has a leader after restart", Duration.ofSeconds(30), () -> {
            StatusResponse st = cluster().status(StatusRequest.getDefaultInstance());
            return st.getTablesMap().values().stream().allMatch(t -> t.getLeader().equals(nodeId));
        });

        RangeResponse aAfter = all(ch, "r-a");
        assertEquals(aBefore.getKvsList(), aAfter.getKvsList(), "r-a data with revisions");
        assertHeader(aAfter.getHeader(), a, 5);
        assertEquals(List.of(kv("k1", "v2", 1, 3, 2), kv("t1", "x", 5, 5, 1), kv("t2", "y", 5, 5, 1)),
                aAfter.getKvsList());
        assertEquals(bBefore.getKvsList(), all(ch, "r-b").getKvsList());
        assertEquals(99, all(ch, "r-b").getCount());
        // history survives too
        RangeResponse at2 = kv(ch).range(RangeRequest.newBuilder().setTable(bs("r-a")).setRangeEnd(OPEN_END)
                .setRevision(2).build());
        assertEquals(List.of(kv("k1", "v1", 1, 1, 1), kv("k2", "v1", 2, 2, 1)), at2.getKvsList());
        // revisions continue where they were
        assertHeader(put(ch, "r-a", "k3", "v").getHeader(), a, 6);
        assertHeader(put(ch, "r-b", "b100", "v").getHeader(), b, 102);
        assertEquals(List.of(kv("k1", "v2", 1, 3, 2)), get(ch, "r-a", "k1").getKvsList());

        // the deleted table stays deleted, and ids are not reused after a restart either
        assertStatus(Status.Code.NOT_FOUND, "table not found", () -> get(ch, "r-gone", "k"));
        long fresh = createTable(ch, "r-gone");
        assertTrue(fresh > gone, "id " + fresh + " after " + gone);
        for (long id : idsBefore.values()) {
            assertTrue(fresh > id, "id " + fresh + " is new, not " + id);
        }
        assertEquals(0, all(ch, "r-gone").getCount());

        // status after restart
        TableStatus ts = cluster().status(StatusRequest.getDefaultInstance()).getTablesOrThrow("r-a");
        assertTrue(ts.getRaftTerm() > 0);
        assertTrue(ts.getRaftAppliedIndex() > 0);
        assertEquals(ts.getRaftAppliedIndex(), ts.getRaftIndex());
        assertNotNull(ts.getLeader());
        assertEquals(nodeId, cluster().memberList(MemberListRequest.getDefaultInstance()).getMembers(0).getId());
    }
}
