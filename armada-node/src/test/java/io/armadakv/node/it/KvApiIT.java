package io.armadakv.node.it;

import armada.v1.DeleteRangeRequest;
import armada.v1.DeleteRangeResponse;
import armada.v1.KVGrpc;
import armada.v1.PutRequest;
import armada.v1.PutResponse;
import armada.v1.RangeRequest;
import armada.v1.RangeResponse;
import armada.v1.TxnRequest;
import armada.v1.TxnResponse;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import mvcc.v1.Mvcc;
import mvcc.v1.Mvcc.Compare.CompareResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.armadakv.node.it.Api.OPEN_END;
import static io.armadakv.node.it.Api.all;
import static io.armadakv.node.it.Api.assertHeader;
import static io.armadakv.node.it.Api.assertStatus;
import static io.armadakv.node.it.Api.assertStatusPrefix;
import static io.armadakv.node.it.Api.bs;
import static io.armadakv.node.it.Api.bytes;
import static io.armadakv.node.it.Api.createCmp;
import static io.armadakv.node.it.Api.createTable;
import static io.armadakv.node.it.Api.deleteOp;
import static io.armadakv.node.it.Api.exists;
import static io.armadakv.node.it.Api.filled;
import static io.armadakv.node.it.Api.get;
import static io.armadakv.node.it.Api.keys;
import static io.armadakv.node.it.Api.kv;
import static io.armadakv.node.it.Api.modCmp;
import static io.armadakv.node.it.Api.put;
import static io.armadakv.node.it.Api.putOp;
import static io.armadakv.node.it.Api.rangeOp;
import static io.armadakv.node.it.Api.rawKeys;
import static io.armadakv.node.it.Api.valueCmp;
import static io.armadakv.node.it.Api.versionCmp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every KV RPC and option through grpc-java stubs against one real node process. */
class KvApiIT {

    private static final int MIB = 1024 * 1024;

    @TempDir
    static Path dir;

    static ArmadaProcess node;
    static ManagedChannel ch;

    @BeforeAll
    static void start() {
        node = ArmadaProcess.start(dir.resolve("kv"));
        ch = node.channel();
    }

    @AfterAll
    static void shutdown() {
        if (node != null) {
            node.close();
        }
    }

    private static KVGrpc.KVBlockingStub stub() {
        return Api.kv(ch);
    }

    private static RangeResponse range(RangeRequest.Builder b) {
        return stub().range(b.build());
    }

    private static RangeRequest.Builder rr(String table) {
        return RangeRequest.newBuilder().setTable(bs(table));
    }

    /** header.revision of a read = the table's current revision. */
    private static long currentRevision(String table) {
        return stub().range(rr(table).setKey(bs("\u0001no-such-key")).build()).getHeader().getRevision();
    }

    // ------------------------------------------------------------------ Put

    @Test
    void putRevisionsVersionsAndPrevKv() {
        String t = "put";
        long id = createTable(ch, t);
        assertEquals(0, currentRevision(t), "a new table is at revision 0");

        PutResponse p1 = put(ch, t, "a", "1");
        assertHeader(p1.getHeader(), id, 1);
        assertFalse(p1.hasPrevKv());

        PutResponse p2 = stub().put(PutRequest.newBuilder().setTable(bs(t)).setKey(bs("a")).setValue(bs("2"))
                .setPrevKv(true).build());
        assertHeader(p2.getHeader(), id, 2);
        assertEquals(kv("a", "1", 1, 1, 1), p2.getPrevKv());

        // prev_kv on a key that did not exist: absent
        PutResponse p3 = stub().put(PutRequest.newBuilder().setTable(bs(t)).setKey(bs("b")).setValue(bs("x"))
                .setPrevKv(true).build());
        assertHeader(p3.getHeader(), id, 3);
        assertFalse(p3.hasPrevKv());

        // prev_kv not requested: absent although the key existed
        PutResponse p4 = put(ch, t, "a", "3");
        assertEquals(4, p4.getHeader().getRevision());
        assertFalse(p4.hasPrevKv());

        RangeResponse r = get(ch, t, "a");
        assertHeader(r.getHeader(), id, 4);
        assertEquals(List.of(kv("a", "3", 1, 4, 3)), r.getKvsList());
        assertEquals(1, r.getCount());
        assertFalse(r.getMore());

        // empty value is stored and read back as a present key with empty value
        assertEquals(5, put(ch, t, "empty", "").getHeader().getRevision());
        RangeResponse e = get(ch, t, "empty");
        assertEquals(List.of(kv("empty", "", 5, 5, 1)), e.getKvsList());
        assertEquals(1, e.getCount());

        // a one-byte 0x00 value is data, not a deletion
        assertEquals(6, put(ch, t, bs("zero"), bytes(0)).getHeader().getRevision());
        RangeResponse z = get(ch, t, "zero");
        assertEquals(List.of(kv(bs("zero"), bytes(0), 6, 6, 1)), z.getKvsList());
        PutResponse z2 = stub().put(PutRequest.newBuilder().setTable(bs(t)).setKey(bs("zero")).setValue(bs("n"))
                .setPrevKv(true).build());
        assertEquals(kv(bs("zero"), bytes(0), 6, 6, 1), z2.getPrevKv());
        assertEquals(7, z2.getHeader().getRevision());
    }

    @Test
    void keysMayHoldAnyByteAndSortUnsigned() {
        String t = "bytes";
        long id = createTable(ch, t);
        List<ByteString> written = List.of(
                bytes(0xFF, 0xFF), bytes(0x00), bytes('k', 0x00), bytes('k', 0xFF), bytes('k'), bytes('k', 0x00, 0x00),
                bytes(0x00, 0x00), bytes(0x7F), bytes(0x80), bytes('k', 0x01));
        long rev = 0;
        for (ByteString k : written) {
            PutResponse p = put(ch, t, k, k.concat(bs("=v")));
            assertEquals(++rev, p.getHeader().getRevision(), "each write is one revision after the previous one");
        }
        List<ByteString> sorted = List.of(bytes(0x00), bytes(0x00, 0x00), bytes('k'), bytes('k', 0x00),
                bytes('k', 0x00, 0x00), bytes('k', 0x01), bytes('k', 0xFF), bytes(0x7F), bytes(0x80), bytes(0xFF, 0xFF));
        RangeResponse r = all(ch, t);
        assertHeader(r.getHeader(), id, rev);
        assertEquals(sorted, rawKeys(r.getKvsList()));
        for (Mvcc.KeyValue kv : r.getKvsList()) {
            assertEquals(kv.getKey().concat(bs("=v")), kv.getValue());
        }
        // single-key reads of keys with 0x00 and 0xFF bytes
        for (ByteString k : written) {
            RangeResponse one = range(rr(t).setKey(k));
            assertEquals(List.of(k), rawKeys(one.getKvsList()));
        }
        // prefix "k" (range_end "l") and the range [k\0, k\xff)
        assertEquals(sorted.subList(2, 7), rawKeys(range(rr(t).setKey(bs("k")).setRangeEnd(bs("l"))).getKvsList()));
        assertEquals(sorted.subList(3, 6),
                rawKeys(range(rr(t).setKey(bytes('k', 0)).setRangeEnd(bytes('k', 0xFF))).getKvsList()));
        // delete a key holding 0x00 and one holding 0xFF
        assertEquals(1, Api.delete(ch, t, bytes('k', 0x00), ByteString.EMPTY, false).getDeleted());
        assertEquals(1, Api.delete(ch, t, bytes(0xFF, 0xFF), ByteString.EMPTY, false).getDeleted());
        List<ByteString> left = new ArrayList<>(sorted);
        left.remove(bytes('k', 0x00));
        left.remove(bytes(0xFF, 0xFF));
        assertEquals(left, rawKeys(all(ch, t).getKvsList()));
    }

    // ------------------------------------------------------------------ Range

    private static final List<String> RANGE_KEYS = List.of("a", "b", "ba", "bb", "bc", "c", "d");

    @Test
    void rangeOptions() {
        String t = "range";
        long id = createTable(ch, t);
        for (String k : RANGE_KEYS) {
            put(ch, t, k, "v-" + k);
        }
        long rev = RANGE_KEYS.size();

        RangeResponse single = get(ch, t, "b");
        assertHeader(single.getHeader(), id, rev);
        assertEquals(List.of(kv("b", "v-b", 2, 2, 1)), single.getKvsList());
        assertEquals(1, single.getCount());
        assertFalse(single.getMore());

        RangeResponse missing = get(ch, t, "zz");
        assertHeader(missing.getHeader(), id, rev);
        assertEquals(0, missing.getKvsCount());
        assertEquals(0, missing.getCount());
        assertFalse(missing.getMore());

        RangeResponse prefix = range(rr(t).setKey(bs("b")).setRangeEnd(bs("c")));
        assertEquals(List.of("b", "ba", "bb", "bc"), keys(prefix.getKvsList()));
        assertEquals(4, prefix.getCount());
        assertFalse(prefix.getMore(), "keys after the range do not count as more");
        assertEquals("v-bc", prefix.getKvs(3).getValue().toStringUtf8());

        assertEquals(List.of("bb", "bc", "c", "d"),
                keys(range(rr(t).setKey(bs("bb")).setRangeEnd(OPEN_END)).getKvsList()));
        assertEquals(List.of("a", "b", "ba"), keys(range(rr(t).setRangeEnd(bs("bb"))).getKvsList()),
                "empty key + range_end: from the first key");
        RangeResponse everything = range(rr(t).setRangeEnd(OPEN_END));
        assertEquals(RANGE_KEYS, keys(everything.getKvsList()));
        assertEquals(7, everything.getCount());
        assertFalse(everything.getMore());
        assertEquals(RANGE_KEYS, keys(range(rr(t).setKey(bytes(0)).setRangeEnd(OPEN_END)).getKvsList()));
        // range_end <= key: empty
        RangeResponse inverted = range(rr(t).setKey(bs("c")).setRangeEnd(bs("b")));
        assertEquals(0, inverted.getCount());
        assertFalse(inverted.getMore());

        // limit with exact more
        RangeResponse l3 = range(rr(t).setRangeEnd(OPEN_END).setLimit(3));
        assertEquals(List.of("a", "b", "ba"), keys(l3.getKvsList()));
        assertEquals(3, l3.getCount());
        assertTrue(l3.getMore());
        RangeResponse l6 = range(rr(t).setRangeEnd(OPEN_END).setLimit(6));
        assertEquals(6, l6.getCount());
        assertTrue(l6.getMore());
        RangeResponse l7 = range(rr(t).setRangeEnd(OPEN_END).setLimit(7));
        assertEquals(RANGE_KEYS, keys(l7.getKvsList()));
        assertFalse(l7.getMore(), "limit == number of keys: nothing remains");
        RangeResponse l8 = range(rr(t).setRangeEnd(OPEN_END).setLimit(8));
        assertEquals(7, l8.getCount());
        assertFalse(l8.getMore());
        assertTrue(range(rr(t).setKey(bs("b")).setRangeEnd(bs("c")).setLimit(3)).getMore());
        assertFalse(range(rr(t).setKey(bs("b")).setRangeEnd(bs("c")).setLimit(4)).getMore(),
                "keys outside the range are not 'more'");
        RangeResponse singleLimited = range(rr(t).setKey(bs("b")).setLimit(1));
        assertEquals(1, singleLimited.getCount());
        assertFalse(singleLimited.getMore());

        // keys_only: keys and revisions, no values
        RangeResponse ko = range(rr(t).setKey(bs("b")).setRangeEnd(bs("c")).setKeysOnly(true));
        assertEquals(List.of("b", "ba", "bb", "bc"), keys(ko.getKvsList()));
        assertEquals(4, ko.getCount());
        for (Mvcc.KeyValue kv : ko.getKvsList()) {
            assertTrue(kv.getValue().isEmpty());
            assertTrue(kv.getModRevision() > 0 && kv.getCreateRevision() > 0 && kv.getVersion() == 1);
        }
        assertEquals(kv("bb", "", 4, 4, 1), ko.getKvs(2));

        // count_only: count, no kvs; with a limit: number of keys up to it
        RangeResponse co = range(rr(t).setRangeEnd(OPEN_END).setCountOnly(true));
        assertEquals(0, co.getKvsCount());
        assertEquals(7, co.getCount());
        assertFalse(co.getMore());
        assertHeader(co.getHeader(), id, rev);
        RangeResponse coLimit = range(rr(t).setRangeEnd(OPEN_END).setCountOnly(true).setLimit(3));
        assertEquals(0, coLimit.getKvsCount());
        assertEquals(3, coLimit.getCount());
        assertTrue(coLimit.getMore());
        RangeResponse coLimit7 = range(rr(t).setRangeEnd(OPEN_END).setCountOnly(true).setLimit(7));
        assertEquals(7, coLimit7.getCount());
        assertFalse(coLimit7.getMore());
        RangeResponse coSingle = range(rr(t).setKey(bs("c")).setCountOnly(true));
        assertEquals(0, coSingle.getKvsCount());
        assertEquals(1, coSingle.getCount());
        assertEquals(0, range(rr(t).setKey(bs("nope")).setCountOnly(true)).getCount());

        // linearizable read: same answer, same header
        RangeResponse lin = range(rr(t).setRangeEnd(OPEN_END).setLinearizable(true));
        assertEquals(everything.getKvsList(), lin.getKvsList());
        assertHeader(lin.getHeader(), id, rev);
        List<String> linStream = new ArrayList<>();
        for (RangeResponse p : iterate(rr(t).setRangeEnd(OPEN_END).setLinearizable(true).setLimit(5))) {
            assertHeader(p.getHeader(), id, rev);
            linStream.addAll(keys(p.getKvsList()));
        }
        assertEquals(RANGE_KEYS.subList(0, 5), linStream);
        // a write is visible to the next linearizable read with the new revision
        put(ch, t, "e", "v-e");
        RangeResponse lin2 = range(rr(t).setKey(bs("e")).setLinearizable(true));
        assertEquals(List.of(kv("e", "v-e", rev + 1, rev + 1, 1)), lin2.getKvsList());
        assertHeader(lin2.getHeader(), id, rev + 1);
    }

    @Test
    void revisionFilters() {
        String t = "filters";
        createTable(ch, t);
        put(ch, t, "a", "1");   // 1
        put(ch, t, "b", "1");   // 2
        put(ch, t, "c", "1");   // 3
        put(ch, t, "a", "2");   // 4: a created 1, modified 4
        put(ch, t, "d", "1");   // 5
        Api.delete(ch, t, bs("d"), ByteString.EMPTY, false); // 6
        put(ch, t, "e", "1");   // 7
        assertEquals(7, currentRevision(t));

        assertEquals(List.of("a", "c", "e"), keys(range(rr(t).setRangeEnd(OPEN_END).setMinModRevision(3)).getKvsList()));
        assertEquals(List.of("a", "e"), keys(range(rr(t).setRangeEnd(OPEN_END).setMinModRevision(4)).getKvsList()));
        assertEquals(List.of("b", "c"), keys(range(rr(t).setRangeEnd(OPEN_END).setMaxModRevision(3)).getKvsList()));
        assertEquals(List.of("b"), keys(range(rr(t).setRangeEnd(OPEN_END).setMaxModRevision(2)).getKvsList()));
        assertEquals(List.of("b", "c", "e"),
                keys(range(rr(t).setRangeEnd(OPEN_END).setMinCreateRevision(2)).getKvsList()));
        assertEquals(List.of("a"), keys(range(rr(t).setRangeEnd(OPEN_END).setMaxCreateRevision(1)).getKvsList()));
        assertEquals(List.of("a", "b"), keys(range(rr(t).setRangeEnd(OPEN_END).setMaxCreateRevision(2)).getKvsList()));
        // inclusive bounds on both sides, combined
        assertEquals(List.of("b", "c"), keys(range(rr(t).setRangeEnd(OPEN_END)
                .setMinModRevision(2).setMaxModRevision(3)).getKvsList()));
        assertEquals(List.of("a"), keys(range(rr(t).setRangeEnd(OPEN_END)
                .setMinModRevision(4).setMaxCreateRevision(3)).getKvsList()));
        assertEquals(List.of("c"), keys(range(rr(t).setRangeEnd(OPEN_END)
                .setMinCreateRevision(3).setMaxCreateRevision(3)).getKvsList()));
        assertEquals(0, range(rr(t).setRangeEnd(OPEN_END).setMinModRevision(8)).getKvsCount());
        // single key: filtered out -> empty
        assertEquals(0, range(rr(t).setKey(bs("b")).setMinModRevision(3)).getCount());
        assertEquals(1, range(rr(t).setKey(bs("a")).setMinModRevision(3)).getCount());
        // with limit and count_only: more counts only matching keys
        RangeResponse lim = range(rr(t).setRangeEnd(OPEN_END).setMinModRevision(3).setLimit(2));
        assertEquals(List.of("a", "c"), keys(lim.getKvsList()));
        assertTrue(lim.getMore());
        RangeResponse limExact = range(rr(t).setRangeEnd(OPEN_END).setMaxModRevision(3).setLimit(2));
        assertEquals(List.of("b", "c"), keys(limExact.getKvsList()));
        assertFalse(limExact.getMore(), "a and e do not match: nothing matching remains");
        RangeResponse cnt = range(rr(t).setRangeEnd(OPEN_END).setMinCreateRevision(2).setCountOnly(true));
        assertEquals(3, cnt.getCount());
        // negative filters mean no filter
        assertEquals(List.of("a", "b", "c", "e"),
                keys(range(rr(t).setRangeEnd(OPEN_END).setMinModRevision(-5).setMaxCreateRevision(-1)).getKvsList()));
        // filters on IterateRange too
        Iterator<RangeResponse> it = stub().iterateRange(rr(t).setRangeEnd(OPEN_END).setMinModRevision(3).build());
        List<String> streamed = new ArrayList<>();
        while (it.hasNext()) {
            streamed.addAll(keys(it.next().getKvsList()));
        }
        assertEquals(List.of("a", "c", "e"), streamed);
    }

    @Test
    void readAtPastRevision() {
        String t = "history";
        long id = createTable(ch, t);
        put(ch, t, "k1", "v1");                               // 1
        put(ch, t, "k2", "v1");                               // 2
        put(ch, t, "k1", "v2");                               // 3
        Api.delete(ch, t, bs("k2"), ByteString.EMPTY, false); // 4
        put(ch, t, "k3", "v1");                               // 5
        put(ch, t, "k1", "v3");                               // 6
        assertEquals(6, currentRevision(t));

        RangeResponse at2 = range(rr(t).setRangeEnd(OPEN_END).setRevision(2));
        assertHeader(at2.getHeader(), id, 2);
        assertEquals(List.of(kv("k1", "v1", 1, 1, 1), kv("k2", "v1", 2, 2, 1)), at2.getKvsList());
        RangeResponse at3 = range(rr(t).setRangeEnd(OPEN_END).setRevision(3));
        assertEquals(List.of(kv("k1", "v2", 1, 3, 2), kv("k2", "v1", 2, 2, 1)), at3.getKvsList());
        RangeResponse at4 = range(rr(t).setRangeEnd(OPEN_END).setRevision(4));
        assertEquals(List.of(kv("k1", "v2", 1, 3, 2)), at4.getKvsList());
        assertHeader(at4.getHeader(), id, 4);
        RangeResponse at5 = range(rr(t).setRangeEnd(OPEN_END).setRevision(5));
        assertEquals(List.of(kv("k1", "v2", 1, 3, 2), kv("k3", "v1", 5, 5, 1)), at5.getKvsList());
        RangeResponse at6 = range(rr(t).setRangeEnd(OPEN_END).setRevision(6));
        assertEquals(List.of(kv("k1", "v3", 1, 6, 3), kv("k3", "v1", 5, 5, 1)), at6.getKvsList());
        assertEquals(at6.getKvsList(), all(ch, t).getKvsList());
        RangeResponse at1 = range(rr(t).setKey(bs("k1")).setRevision(1));
        assertEquals(List.of(kv("k1", "v1", 1, 1, 1)), at1.getKvsList());
        // single key deleted at 4: present at 3, gone at 4
        assertEquals(1, range(rr(t).setKey(bs("k2")).setRevision(3)).getCount());
        assertEquals(0, range(rr(t).setKey(bs("k2")).setRevision(4)).getCount());
        assertEquals(0, range(rr(t).setKey(bs("k3")).setRevision(4)).getCount());
        // options at a past revision
        RangeResponse c3 = range(rr(t).setRangeEnd(OPEN_END).setRevision(3).setCountOnly(true));
        assertEquals(2, c3.getCount());
        RangeResponse l3 = range(rr(t).setRangeEnd(OPEN_END).setRevision(3).setLimit(1));
        assertEquals(List.of("k1"), keys(l3.getKvsList()));
        assertTrue(l3.getMore());
        RangeResponse k3 = range(rr(t).setRangeEnd(OPEN_END).setRevision(3).setKeysOnly(true));
        assertEquals(List.of(kv("k1", "", 1, 3, 2), kv("k2", "", 2, 2, 1)), k3.getKvsList());
        // IterateRange at a past revision
        Iterator<RangeResponse> it = stub().iterateRange(rr(t).setRangeEnd(OPEN_END).setRevision(3).build());
        RangeResponse page = it.next();
        assertFalse(it.hasNext());
        assertEquals(at3.getKvsList(), page.getKvsList());
        assertEquals(3, page.getHeader().getRevision());

        // the future is out of range, for Range and IterateRange
        assertStatusPrefix(Status.Code.OUT_OF_RANGE, "", () -> range(rr(t).setKey(bs("k1")).setRevision(7)));
        assertStatusPrefix(Status.Code.OUT_OF_RANGE, "", () -> stub().iterateRange(
                rr(t).setRangeEnd(OPEN_END).setRevision(100).build()).hasNext());
        // a write later makes revision 7 readable
        put(ch, t, "k4", "v1");
        assertEquals(3, range(rr(t).setRangeEnd(OPEN_END).setRevision(7)).getCount());
    }

    // ------------------------------------------------------------------ IterateRange

    @Test
    void iterateRangeSplitsLargeRangesIntoPages() {
        String t = "big";
        long id = createTable(ch, t);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String k = String.format("k%02d", i);
            names.add(k);
            put(ch, t, bs(k), filled(MIB, 'a' + i));
        }
        // Range (unary) returns only the first page of ~4 MiB
        RangeResponse first = all(ch, t);
        assertEquals(names.subList(0, 3), keys(first.getKvsList()));
        assertEquals(3, first.getCount());
        assertTrue(first.getMore());
        assertTrue(first.getSerializedSize() <= 4 * MIB, "message of " + first.getSerializedSize() + " bytes");

        List<RangeResponse> pages = iterate(rr(t).setRangeEnd(OPEN_END));
        assertEquals(4, pages.size());
        List<String> got = new ArrayList<>();
        for (int i = 0; i < pages.size(); i++) {
            RangeResponse p = pages.get(i);
            assertHeader(p.getHeader(), id, 12);
            assertEquals(3, p.getCount());
            assertEquals(i < pages.size() - 1, p.getMore(), "more of page " + i);
            assertTrue(p.getSerializedSize() <= 4 * MIB, "page of " + p.getSerializedSize() + " bytes");
            for (Mvcc.KeyValue kv : p.getKvsList()) {
                int n = got.size();
                assertEquals(filled(MIB, 'a' + n), kv.getValue(), "value of " + kv.getKey().toStringUtf8());
                assertEquals(n + 1, kv.getModRevision());
                got.add(kv.getKey().toStringUtf8());
            }
        }
        assertEquals(names, got);

        // limit across pages: exact more on the last page
        assertPages(iterate(rr(t).setRangeEnd(OPEN_END).setLimit(7)), List.of(3, 3, 1), true);
        assertPages(iterate(rr(t).setRangeEnd(OPEN_END).setLimit(9)), List.of(3, 3, 3), true);
        assertPages(iterate(rr(t).setRangeEnd(OPEN_END).setLimit(12)), List.of(3, 3, 3, 3), false);
        assertPages(iterate(rr(t).setRangeEnd(OPEN_END).setLimit(2)), List.of(2), true);
        // keys_only fits into one page; count_only is never split
        assertPages(iterate(rr(t).setRangeEnd(OPEN_END).setKeysOnly(true)), List.of(12), false);
        List<RangeResponse> counted = iterate(rr(t).setRangeEnd(OPEN_END).setCountOnly(true));
        assertEquals(1, counted.size());
        assertEquals(12, counted.get(0).getCount());
        assertEquals(0, counted.get(0).getKvsCount());
        // a sub-range and a single key
        assertPages(iterate(rr(t).setKey(bs("k04")).setRangeEnd(bs("k09"))), List.of(3, 2), false);
        List<RangeResponse> one = iterate(rr(t).setKey(bs("k05")));
        assertEquals(1, one.size());
        assertEquals(List.of("k05"), keys(one.get(0).getKvsList()));
        // an empty range: one empty message
        List<RangeResponse> none = iterate(rr(t).setKey(bs("x")).setRangeEnd(OPEN_END));
        assertEquals(1, none.size());
        assertEquals(0, none.get(0).getKvsCount());
        assertEquals(0, none.get(0).getCount());
        assertFalse(none.get(0).getMore());
        assertHeader(none.get(0).getHeader(), id, 12);
    }

    /**
     * Many small pairs: the keys and values alone stay under 4 MiB, but the encoded message does
     * not. A client with grpc-java's default 4 MiB inbound limit must still be able to read it.
     */
    @Test
    void manySmallPairsFitIntoDefaultSizedMessages() throws Exception {
        String t = "small";
        createTable(ch, t);
        int n = 60_000;
        int perTxn = 120; // under the default api.max-txn-ops of 128
        for (int batch = 0; batch < n / perTxn; batch++) {
            TxnRequest.Builder txn = TxnRequest.newBuilder().setTable(bs(t));
            for (int i = batch * perTxn; i < (batch + 1) * perTxn; i++) {
                txn.addSuccess(putOp(String.format("s%015d", i), String.format("%048d", i), false));
            }
            assertEquals(batch + 1, stub().txn(txn.build()).getHeader().getRevision());
        }
        ManagedChannel defaults = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
                .forAddress("127.0.0.1", node.apiPort()).usePlaintext().build();
        try {
            KVGrpc.KVBlockingStub small = KVGrpc.newBlockingStub(defaults).withDeadlineAfter(60, TimeUnit.SECONDS);
            RangeResponse first = small.range(rr(t).setRangeEnd(OPEN_END).build());
            assertTrue(first.getSerializedSize() <= 4 * MIB, "message of " + first.getSerializedSize() + " bytes");
            assertTrue(first.getCount() > 0);
            assertEquals(first.getKvsCount(), first.getCount());
            assertEquals(first.getKvsCount() < n, first.getMore());
            int seen = 0;
            int messages = 0;
            Iterator<RangeResponse> it = small.iterateRange(rr(t).setRangeEnd(OPEN_END).build());
            while (it.hasNext()) {
                RangeResponse p = it.next();
                messages++;
                assertTrue(p.getSerializedSize() <= 4 * MIB, "page of " + p.getSerializedSize() + " bytes");
                for (Mvcc.KeyValue kv : p.getKvsList()) {
                    assertEquals(String.format("s%015d", seen), kv.getKey().toStringUtf8());
                    assertEquals(String.format("%048d", seen), kv.getValue().toStringUtf8());
                    seen++;
                }
                assertEquals(it.hasNext(), p.getMore());
            }
            assertEquals(n, seen);
            assertTrue(messages >= 2, "the encoded range is larger than 4 MiB: " + messages + " message(s)");
        } finally {
            defaults.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static List<RangeResponse> iterate(RangeRequest.Builder b) {
        List<RangeResponse> out = new ArrayList<>();
        stub().iterateRange(b.build()).forEachRemaining(out::add);
        return out;
    }

    private static void assertPages(List<RangeResponse> pages, List<Integer> counts, boolean lastMore) {
        List<Integer> got = new ArrayList<>();
        for (RangeResponse p : pages) {
            got.add(p.getKvsCount());
            assertEquals(p.getKvsCount(), p.getCount());
        }
        assertEquals(counts, got, "kvs per page");
        for (int i = 0; i < pages.size() - 1; i++) {
            assertTrue(pages.get(i).getMore());
        }
        assertEquals(lastMore, pages.getLast().getMore(), "more of the last page");
    }

    @Test
    void iterateRangeReadsOneConsistentView() throws Exception {
        String t = "view";
        createTable(ch, t);
        for (int i = 0; i < 12; i++) {
            put(ch, t, bs(String.format("k%02d", i)), filled(MIB, 'a' + i));
        }
        // consume slowly: request one message at a time and write between messages
        SlowReader reader = new SlowReader();
        List<RangeResponse> pages = reader.pages;
        KVGrpc.newStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS)
                .iterateRange(rr(t).setRangeEnd(OPEN_END).build(), reader);
        awaitPages(pages, 1);
        // after the first page: overwrite a later key, delete one, add one at the end and one in the middle
        put(ch, t, bs("k10"), bs("new"));
        Api.delete(ch, t, bs("k07"), ByteString.EMPTY, false);
        put(ch, t, "k99", "added");
        put(ch, t, "k05a", "added");
        assertEquals(16, currentRevision(t));
        for (int n = 2; n <= 4; n++) {
            reader.call.request(1);
            awaitPages(pages, n);
        }
        reader.call.request(1);
        reader.done.get(60, TimeUnit.SECONDS);
        List<String> got = new ArrayList<>();
        synchronized (pages) {
            assertEquals(4, pages.size());
            for (RangeResponse p : pages) {
                assertEquals(12, p.getHeader().getRevision(), "all pages come from revision 12");
                for (Mvcc.KeyValue kv : p.getKvsList()) {
                    int i = got.size();
                    got.add(kv.getKey().toStringUtf8());
                    assertEquals(filled(MIB, 'a' + i), kv.getValue(), "old value of " + kv.getKey().toStringUtf8());
                }
            }
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            expected.add(String.format("k%02d", i));
        }
        assertEquals(expected, got);
        // a new stream sees the writes
        List<String> now = new ArrayList<>();
        for (RangeResponse p : iterate(rr(t).setRangeEnd(OPEN_END).setKeysOnly(true))) {
            now.addAll(keys(p.getKvsList()));
        }
        assertEquals(List.of("k00", "k01", "k02", "k03", "k04", "k05", "k05a", "k06", "k08", "k09", "k10", "k11", "k99"), now);
    }

    @Test
    void cancelledIterateRangeLeavesTheTableUsable() throws Exception {
        String t = "cancel";
        createTable(ch, t);
        for (int i = 0; i < 8; i++) {
            put(ch, t, bs(String.format("k%02d", i)), filled(MIB, 'a' + i));
        }
        for (int round = 0; round < 3; round++) {
            io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
            List<String> seen = ctx.call(() -> {
                Iterator<RangeResponse> it = stub().iterateRange(rr(t).setRangeEnd(OPEN_END).build());
                return keys(it.next().getKvsList());
            });
            ctx.cancel(null);
            assertEquals(List.of("k00", "k01", "k02"), seen);
        }
        // writes and full reads go on after abandoned streams
        assertEquals(9, put(ch, t, "k99", "x").getHeader().getRevision());
        int total = 0;
        for (RangeResponse p : iterate(rr(t).setRangeEnd(OPEN_END))) {
            total += p.getKvsCount();
        }
        assertEquals(9, total);
        assertStatus(Status.Code.INVALID_ARGUMENT, "revision must not be negative",
                () -> range(rr(t).setKey(bs("k00")).setRevision(-1)));
        assertStatusPrefix(Status.Code.INVALID_ARGUMENT, "", () -> txn(t, List.of(Mvcc.Compare.newBuilder()
                .setKey(bs("k00")).setTargetValue(7).build()), List.of(), List.of()));
        assertStatusPrefix(Status.Code.INVALID_ARGUMENT, "", () -> txn(t, List.of(Mvcc.Compare.newBuilder()
                .setKey(bs("k00")).setResultValue(9).build()), List.of(), List.of()));
        assertEquals(9, currentRevision(t));
    }

    /** Takes one message at a time, only when asked to. */
    private static final class SlowReader implements io.grpc.stub.ClientResponseObserver<RangeRequest, RangeResponse> {
        final List<RangeResponse> pages = new ArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile io.grpc.stub.ClientCallStreamObserver<RangeRequest> call;

        @Override
        public void beforeStart(io.grpc.stub.ClientCallStreamObserver<RangeRequest> requestStream) {
            call = requestStream;
            requestStream.disableAutoRequestWithInitial(1);
        }

        @Override
        public void onNext(RangeResponse value) {
            synchronized (pages) {
                pages.add(value);
                pages.notifyAll();
            }
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            done.complete(null);
        }
    }

    private static void awaitPages(List<RangeResponse> pages, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        synchronized (pages) {
            while (pages.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("page " + n + " did not arrive");
                }
                pages.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    // ------------------------------------------------------------------ DeleteRange

    @Test
    void deleteRangeVariants() {
        String t = "delete";
        long id = createTable(ch, t);
        for (String k : List.of("a", "b", "c", "d", "e", "f", "g")) {
            put(ch, t, k, "v-" + k);
        }
        put(ch, t, bytes(0), bs("nul"));                     // 8
        assertEquals(8, currentRevision(t));

        // single key, neither prev_kv nor count: deleted is still filled
        DeleteRangeResponse d1 = stub().deleteRange(DeleteRangeRequest.newBuilder().setTable(bs(t)).setKey(bs("a")).build());
        assertHeader(d1.getHeader(), id, 9);
        assertEquals(1, d1.getDeleted());
        assertEquals(0, d1.getPrevKvsCount());
        assertEquals(0, get(ch, t, "a").getCount());

        // deleting nothing: deleted 0, no revision consumed
        DeleteRangeResponse none = stub().deleteRange(DeleteRangeRequest.newBuilder().setTable(bs(t)).setKey(bs("a"))
                .setPrevKv(true).setCount(true).build());
        assertEquals(0, none.getDeleted());
        assertEquals(0, none.getPrevKvsCount());
        assertHeader(none.getHeader(), id, 9);
        DeleteRangeResponse noneRange = Api.delete(ch, t, bs("x"), bs("z"), true);
        assertEquals(0, noneRange.getDeleted());
        assertEquals(9, noneRange.getHeader().getRevision());
        assertEquals(9, currentRevision(t));

        // a range with prev_kv: all deleted pairs in order, with their revisions
        DeleteRangeResponse d2 = Api.delete(ch, t, bs("b"), bs("d"), true);
        assertHeader(d2.getHeader(), id, 10);
        assertEquals(2, d2.getDeleted());
        assertEquals(List.of(kv("b", "v-b", 2, 2, 1), kv("c", "v-c", 3, 3, 1)), d2.getPrevKvsList());

        // open-ended with count only
        DeleteRangeResponse d3 = stub().deleteRange(DeleteRangeRequest.newBuilder().setTable(bs(t)).setKey(bs("f"))
                .setRangeEnd(OPEN_END).setCount(true).build());
        assertEquals(2, d3.getDeleted());
        assertEquals(0, d3.getPrevKvsCount());
        assertEquals(11, d3.getHeader().getRevision());
        assertEquals(List.of(bytes(0), bs("d"), bs("e")), rawKeys(all(ch, t).getKvsList()));

        // everything: key 0x00, range_end 0x00 (0x00 is the smallest key)
        DeleteRangeResponse d4 = Api.delete(ch, t, bytes(0), OPEN_END, true);
        assertEquals(3, d4.getDeleted());
        assertEquals(List.of(kv(bytes(0), bs("nul"), 8, 8, 1), kv("d", "v-d", 4, 4, 1), kv("e", "v-e", 5, 5, 1)),
                d4.getPrevKvsList());
        assertEquals(12, d4.getHeader().getRevision());
        RangeResponse empty = all(ch, t);
        assertEquals(0, empty.getCount());
        assertFalse(empty.getMore());
        assertEquals(12, empty.getHeader().getRevision());

        // a deleted key comes back with a new create revision and version 1
        assertEquals(13, put(ch, t, "b", "again").getHeader().getRevision());
        assertEquals(List.of(kv("b", "again", 13, 13, 1)), get(ch, t, "b").getKvsList());
        // many keys with prev_kv: complete list
        for (int i = 0; i < 50; i++) {
            put(ch, t, String.format("m%03d", i), "x" + i);
        }
        DeleteRangeResponse d5 = Api.delete(ch, t, bs("m"), bs("n"), true);
        assertEquals(50, d5.getDeleted());
        assertEquals(50, d5.getPrevKvsCount());
        assertEquals("m049", d5.getPrevKvs(49).getKey().toStringUtf8());
        assertEquals("x49", d5.getPrevKvs(49).getValue().toStringUtf8());
        assertEquals(64, d5.getHeader().getRevision());
    }

    // ------------------------------------------------------------------ Txn

    private static TxnResponse txn(String table, List<Mvcc.Compare> compares, List<Mvcc.RequestOp> success,
                                   List<Mvcc.RequestOp> failure) {
        return stub().txn(TxnRequest.newBuilder().setTable(bs(table)).addAllCompare(compares)
                .addAllSuccess(success).addAllFailure(failure).build());
    }

    /** Evaluates guards in a read-only txn; checks the branch ran and no revision was consumed. */
    private static boolean holds(String table, long rev, Mvcc.Compare... compares) {
        TxnResponse r = txn(table, List.of(compares), List.of(rangeOp("k")), List.of());
        assertEquals(rev, r.getHeader().getRevision(), "read-only txn reports the current revision");
        assertEquals(r.getSucceeded() ? 1 : 0, r.getResponsesCount());
        return r.getSucceeded();
    }

    @Test
    void txnCompareTargetsAndResults() {
        String t = "compare";
        createTable(ch, t);
        put(ch, t, "k", "m");     // 1
        put(ch, t, "x", "1");     // 2
        put(ch, t, "k", "m");     // 3: k version 2, create 1, mod 3
        put(ch, t, "r/1", "5");   // 4
        put(ch, t, "r/2", "7");   // 5
        long rev = 5;

        // VALUE
        assertTrue(holds(t, rev, valueCmp("k", CompareResult.EQUAL, "m")));
        assertFalse(holds(t, rev, valueCmp("k", CompareResult.EQUAL, "n")));
        assertTrue(holds(t, rev, valueCmp("k", CompareResult.GREATER, "a")));
        assertFalse(holds(t, rev, valueCmp("k", CompareResult.GREATER, "m")));
        assertTrue(holds(t, rev, valueCmp("k", CompareResult.LESS, "ma")));
        assertFalse(holds(t, rev, valueCmp("k", CompareResult.LESS, "m")));
        assertTrue(holds(t, rev, valueCmp("k", CompareResult.NOT_EQUAL, "z")));
        assertFalse(holds(t, rev, valueCmp("k", CompareResult.NOT_EQUAL, "m")));
        assertTrue(holds(t, rev, valueCmp("k", CompareResult.GREATER, "")), "present empty operand is compared");
        // VERSION
        assertTrue(holds(t, rev, versionCmp("k", CompareResult.EQUAL, 2)));
        assertFalse(holds(t, rev, versionCmp("k", CompareResult.EQUAL, 1)));
        assertTrue(holds(t, rev, versionCmp("k", CompareResult.GREATER, 1)));
        assertFalse(holds(t, rev, versionCmp("k", CompareResult.GREATER, 2)));
        assertTrue(holds(t, rev, versionCmp("k", CompareResult.LESS, 3)));
        assertFalse(holds(t, rev, versionCmp("k", CompareResult.LESS, 2)));
        assertTrue(holds(t, rev, versionCmp("k", CompareResult.NOT_EQUAL, 3)));
        assertFalse(holds(t, rev, versionCmp("k", CompareResult.NOT_EQUAL, 2)));
        // CREATE
        assertTrue(holds(t, rev, createCmp("k", CompareResult.EQUAL, 1)));
        assertFalse(holds(t, rev, createCmp("k", CompareResult.EQUAL, 3)));
        assertTrue(holds(t, rev, createCmp("k", CompareResult.LESS, 2)));
        assertFalse(holds(t, rev, createCmp("k", CompareResult.GREATER, 1)));
        assertTrue(holds(t, rev, createCmp("x", CompareResult.GREATER, 1)));
        assertTrue(holds(t, rev, createCmp("k", CompareResult.NOT_EQUAL, 2)));
        assertFalse(holds(t, rev, createCmp("k", CompareResult.NOT_EQUAL, 1)));
        // MOD
        assertTrue(holds(t, rev, modCmp("k", CompareResult.EQUAL, 3)));
        assertFalse(holds(t, rev, modCmp("k", CompareResult.EQUAL, 1)));
        assertTrue(holds(t, rev, modCmp("k", CompareResult.GREATER, 2)));
        assertFalse(holds(t, rev, modCmp("k", CompareResult.GREATER, 3)));
        assertTrue(holds(t, rev, modCmp("k", CompareResult.LESS, 4)));
        assertFalse(holds(t, rev, modCmp("k", CompareResult.LESS, 3)));
        assertTrue(holds(t, rev, modCmp("k", CompareResult.NOT_EQUAL, 1)));
        assertFalse(holds(t, rev, modCmp("k", CompareResult.NOT_EQUAL, 3)));
        // existence test: VALUE with the oneof absent
        assertTrue(holds(t, rev, exists("k")));
        assertFalse(holds(t, rev, exists("missing")));
        // a missing key counts as 0 for VERSION/CREATE/MOD, VALUE compares are false
        assertTrue(holds(t, rev, versionCmp("missing", CompareResult.EQUAL, 0)));
        assertTrue(holds(t, rev, createCmp("missing", CompareResult.EQUAL, 0)));
        assertFalse(holds(t, rev, createCmp("missing", CompareResult.GREATER, 0)));
        assertTrue(holds(t, rev, modCmp("missing", CompareResult.LESS, 1)));
        assertFalse(holds(t, rev, valueCmp("missing", CompareResult.EQUAL, "")));
        assertFalse(holds(t, rev, valueCmp("missing", CompareResult.NOT_EQUAL, "m")));
        // guards are AND-ed
        assertTrue(holds(t, rev, exists("k"), versionCmp("k", CompareResult.EQUAL, 2), modCmp("x", CompareResult.EQUAL, 2)));
        assertFalse(holds(t, rev, exists("k"), exists("missing")));
        // range compares: every live key must pass
        assertTrue(holds(t, rev, rangeCmp(valueCmp("", CompareResult.GREATER, "4"), "r/", "r0")));
        assertFalse(holds(t, rev, rangeCmp(valueCmp("", CompareResult.GREATER, "6"), "r/", "r0")));
        assertTrue(holds(t, rev, rangeCmp(valueCmp("", CompareResult.LESS, "8"), "r/", "r0")));
        assertTrue(holds(t, rev, rangeCmp(valueCmp("", CompareResult.NOT_EQUAL, "6"), "r/", "r0")));
        assertFalse(holds(t, rev, rangeCmp(valueCmp("", CompareResult.EQUAL, "5"), "r/", "r0")));
        assertTrue(holds(t, rev, rangeCmp(exists(""), "r/", "r0")));
        assertTrue(holds(t, rev, rangeCmp(modCmp("", CompareResult.GREATER, 3), "r/", "r0")));
        assertFalse(holds(t, rev, rangeCmp(modCmp("", CompareResult.GREATER, 4), "r/", "r0")));
        assertTrue(holds(t, rev, rangeCmp(versionCmp("", CompareResult.EQUAL, 1), "r/", "r0")));
        // open-ended range compare over the whole table: k has version 2
        assertFalse(holds(t, rev, rangeCmp(versionCmp("", CompareResult.EQUAL, 1), "\u0000", "\u0000")));
        // a range compare from the first key (empty key, range_end set)
        assertTrue(holds(t, rev, rangeCmp(createCmp("", CompareResult.GREATER, 0), "", "\u0000")));
        assertFalse(holds(t, rev, rangeCmp(createCmp("", CompareResult.GREATER, 1), "", "s")));
        assertTrue(holds(t, rev, rangeCmp(createCmp("", CompareResult.LESS, 2), "", "l")), "only k (create 1)");
        // empty range: VALUE false, others compare 0
        assertFalse(holds(t, rev, rangeCmp(exists(""), "y/", "y0")));
        assertFalse(holds(t, rev, rangeCmp(valueCmp("", CompareResult.EQUAL, ""), "y/", "y0")));
        assertTrue(holds(t, rev, rangeCmp(versionCmp("", CompareResult.EQUAL, 0), "y/", "y0")));
        assertTrue(holds(t, rev, rangeCmp(createCmp("", CompareResult.EQUAL, 0), "y/", "y0")));
        assertFalse(holds(t, rev, rangeCmp(modCmp("", CompareResult.GREATER, 0), "y/", "y0")));
        // a deleted key no longer takes part
        Api.delete(ch, t, bs("r/1"), ByteString.EMPTY, false); // 6
        assertTrue(holds(t, 6, rangeCmp(valueCmp("", CompareResult.EQUAL, "7"), "r/", "r0")));
        assertTrue(holds(t, 6, createCmp("r/1", CompareResult.EQUAL, 0)));
        assertEquals(6, currentRevision(t), "read-only txns consumed no revision");
        // the same guards in a write txn
        TxnResponse w = txn(t, List.of(modCmp("k", CompareResult.EQUAL, 3), valueCmp("x", CompareResult.EQUAL, "1")),
                List.of(putOp("k", "swapped", true)), List.of());
        assertTrue(w.getSucceeded());
        assertEquals(7, w.getHeader().getRevision());
        assertEquals(kv("k", "m", 1, 3, 2), w.getResponses(0).getResponsePut().getPrevKv());
    }

    private static Mvcc.Compare rangeCmp(Mvcc.Compare c, String key, String rangeEnd) {
        return c.toBuilder().setKey(bs(key)).setRangeEnd(bs(rangeEnd)).build();
    }

    @Test
    void txnBranchesOpsAndRevisions() {
        String t = "txn";
        long id = createTable(ch, t);
        put(ch, t, "other", "o");   // 1
        put(ch, t, "gone", "g");    // 2

        // success branch: writes, and later ops see earlier writes; all writes at one revision
        List<Mvcc.RequestOp> ops = List.of(
                putOp("k", "v1", true),
                rangeOp("k"),
                putOp("k2", "x", false),
                deleteOp(bs("gone"), ByteString.EMPTY, true),
                rangeOp(bs(""), OPEN_END),
                putOp("k", "v1b", true),
                deleteOp(bs("k2"), ByteString.EMPTY, true));
        TxnResponse r1 = txn(t, List.of(createCmp("k", CompareResult.EQUAL, 0)), ops, List.of(rangeOp("other")));
        assertTrue(r1.getSucceeded());
        assertHeader(r1.getHeader(), id, 3);
        assertEquals(7, r1.getResponsesCount());
        assertFalse(r1.getResponses(0).getResponsePut().hasPrevKv());
        assertEquals(List.of(kv("k", "v1", 3, 3, 1)), r1.getResponses(1).getResponseRange().getKvsList());
        assertEquals(1, r1.getResponses(1).getResponseRange().getCount());
        assertTrue(r1.getResponses(2).hasResponsePut());
        assertEquals(1, r1.getResponses(3).getResponseDeleteRange().getDeleted());
        assertEquals(List.of(kv("gone", "g", 2, 2, 1)), r1.getResponses(3).getResponseDeleteRange().getPrevKvsList());
        Mvcc.ResponseOp.Range seen = r1.getResponses(4).getResponseRange();
        assertEquals(List.of("k", "k2", "other"), keys(seen.getKvsList()));
        assertEquals(3, seen.getCount());
        assertFalse(seen.getMore());
        assertEquals(kv("k", "v1", 3, 3, 1), r1.getResponses(5).getResponsePut().getPrevKv());
        assertEquals(List.of(kv("k2", "x", 3, 3, 1)), r1.getResponses(6).getResponseDeleteRange().getPrevKvsList());
        RangeResponse after1 = all(ch, t);
        assertEquals(List.of(kv("k", "v1b", 3, 3, 2), kv("other", "o", 1, 1, 1)), after1.getKvsList());
        assertEquals(3, after1.getHeader().getRevision());
        // at revision 2 the txn's writes are invisible; at 3 all of them are there
        assertEquals(List.of("gone", "other"), keys(range(rr(t).setRangeEnd(OPEN_END).setRevision(2)).getKvsList()));

        // the same guard now fails: failure branch with Range, Put, DeleteRange
        TxnResponse r2 = txn(t, List.of(createCmp("k", CompareResult.EQUAL, 0)), ops, List.of(
                rangeOp("k"), putOp("k", "v2", true), deleteOp(bs("other"), ByteString.EMPTY, false), rangeOp(bs("a"), bs("z"))));
        assertFalse(r2.getSucceeded());
        assertHeader(r2.getHeader(), id, 4);
        assertEquals(4, r2.getResponsesCount());
        assertEquals(List.of(kv("k", "v1b", 3, 3, 2)), r2.getResponses(0).getResponseRange().getKvsList());
        assertEquals(kv("k", "v1b", 3, 3, 2), r2.getResponses(1).getResponsePut().getPrevKv());
        assertEquals(1, r2.getResponses(2).getResponseDeleteRange().getDeleted());
        assertEquals(List.of(kv("k", "v2", 3, 4, 3)), r2.getResponses(3).getResponseRange().getKvsList());

        // a write txn whose executed branch writes nothing consumes no revision
        TxnResponse r3 = txn(t, List.of(exists("nothing")), List.of(putOp("n", "n", false)), List.of());
        assertFalse(r3.getSucceeded());
        assertEquals(0, r3.getResponsesCount());
        assertHeader(r3.getHeader(), id, 4);
        // a delete of nothing inside a txn consumes no revision either
        TxnResponse r4 = txn(t, List.of(), List.of(deleteOp(bs("nothing"), ByteString.EMPTY, true)), List.of());
        assertTrue(r4.getSucceeded());
        assertEquals(0, r4.getResponses(0).getResponseDeleteRange().getDeleted());
        assertEquals(4, r4.getHeader().getRevision());

        // read-only txn: empty compare list = true, current revision in the header, nothing consumed
        TxnResponse ro = txn(t, List.of(), List.of(rangeOp(bs("k"), OPEN_END), rangeOp("k")), List.of());
        assertTrue(ro.getSucceeded());
        assertHeader(ro.getHeader(), id, 4);
        assertEquals(List.of(kv("k", "v2", 3, 4, 3)), ro.getResponses(0).getResponseRange().getKvsList());
        TxnResponse ro2 = txn(t, List.of(), List.of(), List.of());
        assertTrue(ro2.getSucceeded());
        assertEquals(0, ro2.getResponsesCount());
        assertHeader(ro2.getHeader(), id, 4);
        // options of range ops: limit with exact more, keys_only, count_only
        put(ch, t, "k3", "z"); // 5
        TxnResponse opts = txn(t, List.of(), List.of(
                Mvcc.RequestOp.newBuilder().setRequestRange(Mvcc.RequestOp.Range.newBuilder().setKey(bs("k"))
                        .setRangeEnd(bs("l")).setLimit(1)).build(),
                Mvcc.RequestOp.newBuilder().setRequestRange(Mvcc.RequestOp.Range.newBuilder().setKey(bs("k"))
                        .setRangeEnd(bs("l")).setLimit(2)).build(),
                Mvcc.RequestOp.newBuilder().setRequestRange(Mvcc.RequestOp.Range.newBuilder().setKey(bs("k"))
                        .setRangeEnd(bs("l")).setKeysOnly(true)).build(),
                Mvcc.RequestOp.newBuilder().setRequestRange(Mvcc.RequestOp.Range.newBuilder().setKey(bs("k"))
                        .setRangeEnd(bs("l")).setCountOnly(true)).build()), List.of());
        assertEquals(5, opts.getHeader().getRevision());
        assertEquals(List.of("k"), keys(opts.getResponses(0).getResponseRange().getKvsList()));
        assertTrue(opts.getResponses(0).getResponseRange().getMore());
        assertEquals(List.of("k", "k3"), keys(opts.getResponses(1).getResponseRange().getKvsList()));
        assertFalse(opts.getResponses(1).getResponseRange().getMore());
        assertEquals(List.of(kv("k", "", 3, 4, 3), kv("k3", "", 5, 5, 1)),
                opts.getResponses(2).getResponseRange().getKvsList());
        assertEquals(0, opts.getResponses(3).getResponseRange().getKvsCount());
        assertEquals(2, opts.getResponses(3).getResponseRange().getCount());
        assertEquals(6, put(ch, t, "after", "a").getHeader().getRevision(), "the next write is one higher");
    }

    @Test
    void compareAndSwapCounterUnderConcurrency() throws Exception {
        String t = "cas";
        createTable(ch, t);
        put(ch, t, "counter", "0");
        int threads = 4;
        int attempts = 40;
        AtomicInteger swaps = new AtomicInteger();
        AtomicInteger conflicts = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            futures.add(pool.submit(() -> {
                for (int i = 0; i < attempts; i++) {
                    Mvcc.KeyValue cur = get(ch, t, "counter").getKvs(0);
                    long n = Long.parseLong(cur.getValue().toStringUtf8());
                    TxnResponse r = txn(t, List.of(modCmp("counter", CompareResult.EQUAL, cur.getModRevision())),
                            List.of(putOp("counter", Long.toString(n + 1), true)), List.of(rangeOp("counter")));
                    if (r.getSucceeded()) {
                        swaps.incrementAndGet();
                        assertEquals(cur, r.getResponses(0).getResponsePut().getPrevKv());
                    } else {
                        conflicts.incrementAndGet();
                        assertTrue(r.getResponses(0).getResponseRange().getKvs(0).getModRevision() > cur.getModRevision());
                    }
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(threads * attempts, swaps.get() + conflicts.get());
        assertTrue(swaps.get() >= attempts, "at least one thread's worth of swaps: " + swaps);
        Mvcc.KeyValue fin = get(ch, t, "counter").getKvs(0);
        assertEquals(Integer.toString(swaps.get()), fin.getValue().toStringUtf8());
        assertEquals(swaps.get() + 1, fin.getVersion());
        assertEquals(swaps.get() + 1, fin.getModRevision(), "only successful swaps consumed revisions");
    }

    // ------------------------------------------------------------------ errors

    @Test
    void errorsOfEveryRpc() {
        String t = "errors";
        createTable(ch, t);
        ByteString longKey = filled(1025, 'k');
        ByteString maxKey = filled(1024, 'k');

        // Range
        assertStatus(Status.Code.INVALID_ARGUMENT, "table must be set", () -> range(RangeRequest.newBuilder().setKey(bs("a"))));
        assertStatus(Status.Code.NOT_FOUND, "table not found", () -> range(rr("nope").setKey(bs("a"))));
        assertStatus(Status.Code.INVALID_ARGUMENT, "key must be set", () -> range(rr(t)));
        assertStatusPrefix(Status.Code.INVALID_ARGUMENT, "", () -> range(rr(t).setKey(bs("a")).setLimit(-1)));
        assertStatusPrefix(Status.Code.INVALID_ARGUMENT, "",
                () -> range(rr(t).setKey(bs("a")).setKeysOnly(true).setCountOnly(true)));
        assertStatusPrefix(Status.Code.FAILED_PRECONDITION, "key length exceeded max allowed value",
                () -> range(rr(t).setKey(longKey)));
        assertEquals(0, range(rr(t).setKey(maxKey)).getCount());
        assertStatusPrefix(Status.Code.FAILED_PRECONDITION, "key length exceeded max allowed value",
                () -> range(rr(t).setKey(bs("a")).setRangeEnd(longKey)));
        assertStatusPrefix(Status.Code.OUT_OF_RANGE, "", () -> range(rr(t).setKey(bs("a")).setRevision(5)));

        // IterateRange: errors arrive on the stream
        assertStatus(Status.Code.INVALID_ARGUMENT, "table must be set",
                () -> stub().iterateRange(RangeRequest.newBuilder().setKey(bs("a")).build()).hasNext());
        assertStatus(Status.Code.NOT_FOUND, "table not found",
                () -> stub().iterateRange(rr("nope").setKey(bs("a")).build()).hasNext());
        assertStatus(Status.Code.INVALID_ARGUMENT, "key must be set", () -> stub().iterateRange(rr(t).build()).hasNext());
        assertStatusPrefix(Status.Code.INVALID_ARGUMENT, "",
                () -> stub().iterateRange(rr(t).setKey(bs("a")).setLimit(-3).build()).hasNext());
        assertStatusPrefix(Status.Code.INVALID_ARGUMENT, "",
                () -> stub().iterateRange(rr(t).setKey(bs("a")).setKeysOnly(true).setCountOnly(true).build()).hasNext());
        assertStatusPrefix(Status.Code.FAILED_PRECONDITION, "key length exceeded max allowed value",
                () -> stub().iterateRange(rr(t).setKey(longKey).build()).hasNext());

        // Put
        assertStatus(Status.Code.INVALID_ARGUMENT, "table must be set",
                () -> stub().put(PutRequest.newBuilder().setKey(bs("a")).setValue(bs("v")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "table must be set", () -> stub().put(PutRequest.getDefaultInstance()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "key must be set",
                () -> stub().put(PutRequest.newBuilder().setTable(bs(t)).setValue(bs("v")).build()));
        assertStatus(Status.Code.NOT_FOUND, "table not found", () -> put(ch, "nope", "a", "v"));
        assertStatusPrefix(Status.Code.FAILED_PRECONDITION, "key length exceeded max allowed value",
                () -> put(ch, t, longKey, bs("v")));
        assertStatusPrefix(Status.Code.FAILED_PRECONDITION, "value length exceeded max allowed value",
                () -> put(ch, t, bs("big"), filled(2 * MIB + 1, 'v')));
        // the limits themselves are allowed
        assertEquals(1, put(ch, t, maxKey, bs("v")).getHeader().getRevision());
        assertEquals(2, put(ch, t, bs("big"), filled(2 * MIB, 'v')).getHeader().getRevision());
        assertEquals(2 * MIB, get(ch, t, "big").getKvs(0).getValue().size());

        // DeleteRange
        assertStatus(Status.Code.INVALID_ARGUMENT, "table must be set",
                () -> stub().deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("a")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "key must be set",
                () -> stub().deleteRange(DeleteRangeRequest.newBuilder().setTable(bs(t)).build()));
        assertStatus(Status.Code.NOT_FOUND, "table not found",
                () -> stub().deleteRange(DeleteRangeRequest.newBuilder().setTable(bs("nope")).setKey(bs("a")).build()));
        assertStatusPrefix(Status.Code.FAILED_PRECONDITION, "key length exceeded max allowed value",
                () -> stub().deleteRange(DeleteRangeRequest.newBuilder().setTable(bs(t)).setKey(longKey).build()));

        // Txn
        assertStatus(Status.Code.INVALID_ARGUMENT, "table must be set",
                () -> stub().txn(TxnRequest.newBuilder().addSuccess(putOp("a", "b", false)).build()));
        assertStatus(Status.Code.NOT_FOUND, "table not found",
                () -> txn("nope", List.of(), List.of(putOp("a", "b", false)), List.of()));
        assertStatus(Status.Code.NOT_FOUND, "table not found", () -> txn("nope", List.of(), List.of(rangeOp("a")), List.of()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "key must be set",
                () -> txn(t, List.of(), List.of(putOp("", "b", false)), List.of()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "key must be set",
                () -> txn(t, List.of(), List.of(), List.of(deleteOp(ByteString.EMPTY, ByteString.EMPTY, false))));
        assertStatusPrefix(Status.Code.FAILED_PRECONDITION, "key length exceeded max allowed value",
                () -> txn(t, List.of(), List.of(Mvcc.RequestOp.newBuilder().setRequestPut(
                        Mvcc.RequestOp.Put.newBuilder().setKey(longKey).setValue(bs("v"))).build()), List.of()));
        assertStatusPrefix(Status.Code.FAILED_PRECONDITION, "value length exceeded max allowed value",
                () -> txn(t, List.of(), List.of(Mvcc.RequestOp.newBuilder().setRequestPut(
                        Mvcc.RequestOp.Put.newBuilder().setKey(bs("v")).setValue(filled(2 * MIB + 1, 'v'))).build()), List.of()));
        assertStatusPrefix(Status.Code.INVALID_ARGUMENT, "", () -> txn(t, List.of(), List.of(Mvcc.RequestOp.newBuilder()
                .setRequestRange(Mvcc.RequestOp.Range.newBuilder().setKey(bs("a")).setLimit(-1)).build()), List.of()));
        assertStatusPrefix(Status.Code.INVALID_ARGUMENT, "", () -> txn(t, List.of(), List.of(Mvcc.RequestOp.newBuilder()
                .setRequestRange(Mvcc.RequestOp.Range.newBuilder().setKey(bs("a")).setKeysOnly(true).setCountOnly(true))
                .build()), List.of()));
        assertStatusPrefix(Status.Code.FAILED_PRECONDITION, "key length exceeded max allowed value",
                () -> txn(t, List.of(Mvcc.Compare.newBuilder().setKey(longKey).build()), List.of(), List.of()));
        // no failed request consumed a revision or wrote anything
        assertEquals(2, currentRevision(t));
        assertEquals(List.of(bs("big"), maxKey), rawKeys(range(rr(t).setRangeEnd(OPEN_END).setKeysOnly(true)).getKvsList()));
    }

    @Test
    void headersOfEveryRpc() throws Exception {
        String t = "headers";
        long id = createTable(ch, t);
        assertTrue(id >= 10001);
        assertHeader(put(ch, t, "a", "1").getHeader(), id, 1);
        assertHeader(get(ch, t, "a").getHeader(), id, 1);
        assertHeader(range(rr(t).setKey(bs("a")).setLinearizable(true)).getHeader(), id, 1);
        for (RangeResponse p : iterate(rr(t).setRangeEnd(OPEN_END))) {
            assertHeader(p.getHeader(), id, 1);
        }
        assertHeader(txn(t, List.of(), List.of(putOp("b", "2", false)), List.of()).getHeader(), id, 2);
        assertHeader(txn(t, List.of(), List.of(rangeOp("b")), List.of()).getHeader(), id, 2);
        assertHeader(Api.delete(ch, t, bs("a"), ByteString.EMPTY, false).getHeader(), id, 3);
        // the async stub gives the same
        CompletableFuture<PutResponse> f = new CompletableFuture<>();
        KVGrpc.newStub(ch).put(PutRequest.newBuilder().setTable(bs(t)).setKey(bs("c")).setValue(bs("3")).build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(PutResponse value) {
                        f.complete(value);
                    }

                    @Override
                    public void onError(Throwable e) {
                        f.completeExceptionally(e);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        assertHeader(f.get(30, TimeUnit.SECONDS).getHeader(), id, 4);
        assertHeader(KVGrpc.newFutureStub(ch).range(rr(t).setKey(bs("c")).build()).get(30, TimeUnit.SECONDS).getHeader(), id, 4);
    }

    @Test
    void concurrentWritesGetConsecutiveRevisions() throws Exception {
        String t = "concurrent";
        long id = createTable(ch, t);
        int threads = 4;
        int perThread = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<List<Long>>> futures = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            int writer = w;
            futures.add(pool.submit(() -> {
                List<Long> revs = new ArrayList<>();
                for (int i = 0; i < perThread; i++) {
                    PutResponse p = put(ch, t, "w" + writer + "/" + i, "v");
                    assertEquals(id, p.getHeader().getShardId());
                    revs.add(p.getHeader().getRevision());
                }
                return revs;
            }));
        }
        java.util.TreeSet<Long> all = new java.util.TreeSet<>();
        for (Future<List<Long>> f : futures) {
            List<Long> revs = f.get(120, TimeUnit.SECONDS);
            for (int i = 1; i < revs.size(); i++) {
                assertTrue(revs.get(i) > revs.get(i - 1), "revisions grow per client");
            }
            all.addAll(revs);
        }
        pool.shutdown();
        // batched or not, every write got its own revision: exactly 1..200
        assertEquals(threads * perThread, all.size());
        assertEquals(1L, all.first());
        assertEquals((long) threads * perThread, all.last());
        RangeResponse r = range(rr(t).setRangeEnd(OPEN_END).setCountOnly(true));
        assertEquals(threads * perThread, r.getCount());
        assertEquals(threads * perThread, r.getHeader().getRevision());
    }
}
