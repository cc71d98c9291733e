package io.armadakv.node.storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.security.MessageDigest;

/**
 * The etcd MVCC semantics as plainly as possible: every key keeps a list of its versions in
 * memory, reads filter and cut whole lists. The store is checked against it answer by answer.
 */
final class ReferenceModel {

    /** One version of a key; value null = tombstone. */
    record Ver(long rev, byte[] value, long create, long version) {
    }

    private final TreeMap<byte[], List<Ver>> history = new TreeMap<>(Arrays::compareUnsigned);
    private final Map<String, byte[]> meta = new HashMap<>();
    long revision;
    long compacted;
    // inside a txn: its shared revision once it wrote
    private boolean inTxn;
    private boolean txnWrote;

    ReferenceModel copy() {
        ReferenceModel m = new ReferenceModel();
        history.forEach((k, v) -> m.history.put(k, new ArrayList<>(v)));
        m.meta.putAll(meta);
        m.revision = revision;
        m.compacted = compacted;
        return m;
    }

    byte[] meta(String name) {
        return meta.get(name);
    }

    void putMeta(String name, byte[] value) {
        if (value == null) {
            meta.remove(name);
        } else {
            meta.put(name, value.clone());
        }
    }

    /** Live key-values at {@code rev} in the range, in key order. */
    List<KeyValue> liveAt(long rev, KeyRange range) {
        List<KeyValue> out = new ArrayList<>();
        for (Map.Entry<byte[], List<Ver>> e : history.entrySet()) {
            if (!range.contains(e.getKey())) {
                continue;
            }
            Ver seen = null;
            for (Ver v : e.getValue()) {
                if (v.rev() <= rev) {
                    seen = v;
                }
            }
            if (seen != null && seen.value() != null) {
                out.add(new KeyValue(e.getKey(), seen.value(), seen.create(), seen.rev(), seen.version()));
            }
        }
        return out;
    }

    long keyCount() {
        return liveAt(revision, KeyRange.all()).size();
    }

    long checkRevision(long requested) {
        if (requested == 0) {
            return revision;
        }
        if (requested > revision) {
            throw new FutureRevisionException("model", requested, revision);
        }
        if (requested < compacted) {
            throw new CompactedRevisionException("model", requested, compacted);
        }
        return requested;
    }

    private List<KeyValue> matching(RangeQuery q, long rev) {
        List<KeyValue> all = new ArrayList<>();
        for (KeyValue kv : liveAt(rev, q.range())) {
            if (q.minModRevision() > 0 && kv.modRevision() < q.minModRevision()
                    || q.maxModRevision() > 0 && kv.modRevision() > q.maxModRevision()
                    || q.minCreateRevision() > 0 && kv.createRevision() < q.minCreateRevision()
                    || q.maxCreateRevision() > 0 && kv.createRevision() > q.maxCreateRevision()) {
                continue;
            }
            all.add(kv);
        }
        return all;
    }

    private static KeyValue shape(KeyValue kv, boolean keysOnly) {
        return keysOnly ? new KeyValue(kv.key(), null, kv.createRevision(), kv.modRevision(), kv.version()) : kv;
    }

    /** What a pair costs against maxBytes: its encoded size in a range response. */
    private static long size(KeyValue kv) {
        return StateReader.wireSize(kv.key(), kv.value(), kv.createRevision(), kv.modRevision(), kv.version());
    }

    RangeResult range(RangeQuery q) {
        long rev = checkRevision(q.revision());
        List<KeyValue> all = matching(q, rev);
        if (q.countOnly()) {
            long n = q.limit() > 0 ? Math.min(all.size(), q.limit()) : all.size();
            return new RangeResult(List.of(), n < all.size(), n, rev);
        }
        List<KeyValue> page = new ArrayList<>();
        long bytes = 0;
        for (KeyValue kv : all) {
            KeyValue shaped = shape(kv, q.keysOnly());
            if (q.limit() > 0 && page.size() == q.limit()) {
                break;
            }
            if (q.maxBytes() > 0 && !page.isEmpty() && bytes + size(shaped) > q.maxBytes()) {
                break;
            }
            bytes += size(shaped);
            page.add(shaped);
        }
        return new RangeResult(page, page.size() < all.size(), page.size(), rev);
    }

    /** The pages iterate() must produce: the limited key list cut greedily by maxBytes. */
    List<RangeResult> pages(RangeQuery q) {
        long rev = checkRevision(q.revision());
        if (q.countOnly()) {
            return List.of(range(q));
        }
        List<KeyValue> all = matching(q, rev);
        int n = q.limit() > 0 ? (int) Math.min(all.size(), q.limit()) : all.size();
        boolean beyondLimit = n < all.size();
        List<RangeResult> pages = new ArrayList<>();
        int i = 0;
        do {
            List<KeyValue> page = new ArrayList<>();
            long bytes = 0;
            while (i < n) {
                KeyValue shaped = shape(all.get(i), q.keysOnly());
                if (q.maxBytes() > 0 && !page.isEmpty() && bytes + size(shaped) > q.maxBytes()) {
                    break;
                }
                bytes += size(shaped);
                page.add(shaped);
                i++;
            }
            pages.add(new RangeResult(page, i < n || beyondLimit, page.size(), rev));
        } while (i < n);
        return pages;
    }

    private long writeRevision() {
        if (!inTxn) {
            return ++revision;
        }
        if (!txnWrote) {
            txnWrote = true;
            revision++;
        }
        return revision;
    }

    private KeyValue live(byte[] key) {
        List<KeyValue> l = liveAt(revision, KeyRange.single(key));
        return l.isEmpty() ? null : l.get(0);
    }

    PutResult put(byte[] key, byte[] value, boolean prevKv) {
        KeyValue before = live(key);
        long rev = writeRevision();
        List<Ver> versions = history.computeIfAbsent(key.clone(), k -> new ArrayList<>());
        // a second write of one key inside a txn replaces the version at the shared revision
        versions.removeIf(v -> v.rev() == rev);
        versions.add(before == null ? new Ver(rev, value.clone(), rev, 1)
                : new Ver(rev, value.clone(), before.createRevision(), before.version() + 1));
        return new PutResult(rev, prevKv ? before : null);
    }

    DeleteResult delete(KeyRange range, boolean prevKv) {
        List<KeyValue> doomed = liveAt(revision, range);
        if (doomed.isEmpty()) {
            return new DeleteResult(revision, 0, List.of());
        }
        long rev = writeRevision();
        for (KeyValue kv : doomed) {
            List<Ver> versions = history.get(kv.key());
            versions.removeIf(v -> v.rev() == rev);
            versions.add(new Ver(rev, null, 0, 0));
        }
        return new DeleteResult(rev, doomed.size(), prevKv ? doomed : List.of());
    }

    boolean holds(Compare c) {
        List<KeyValue> keys = liveAt(revision, c.range());
        if (keys.isEmpty()) {
            return c.target() != Compare.Target.VALUE && test(Long.compare(0, c.number()), c.result());
        }
        for (KeyValue kv : keys) {
            boolean ok = switch (c.target()) {
                case VALUE -> c.value() == null || test(Arrays.compareUnsigned(kv.value(), c.value()), c.result());
                case VERSION -> test(Long.compare(kv.version(), c.number()), c.result());
                case CREATE -> test(Long.compare(kv.createRevision(), c.number()), c.result());
                case MOD -> test(Long.compare(kv.modRevision(), c.number()), c.result());
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean test(int cmp, Compare.Result r) {
        return switch (r) {
            case EQUAL -> cmp == 0;
            case NOT_EQUAL -> cmp != 0;
            case GREATER -> cmp > 0;
            case LESS -> cmp < 0;
        };
    }

    TxnResult txn(TxnRequest t) {
        boolean ok = t.compares().stream().allMatch(this::holds);
        List<OpResult> results = new ArrayList<>();
        inTxn = true;
        txnWrote = false;
        try {
            for (TxnOp op : ok ? t.success() : t.failure()) {
                results.add(switch (op) {
                    case TxnOp.Range r -> range(r.query());
                    case TxnOp.Put p -> put(p.key(), p.value(), p.prevKv());
                    case TxnOp.Delete d -> delete(d.range(), d.prevKv());
                });
            }
        } finally {
            inTxn = false;
        }
        return new TxnResult(ok, results, revision);
    }

    long compact(long rev) {
        if (rev > revision) {
            throw new FutureRevisionException("model", rev, revision);
        }
        if (rev <= compacted) {
            throw new CompactedRevisionException("model", rev, compacted);
        }
        long removed = 0;
        for (List<Ver> versions : history.values()) {
            Ver keep = null;
            for (Ver v : versions) {
                if (v.rev() <= rev) {
                    keep = v;
                }
            }
            List<Ver> kept = new ArrayList<>();
            for (Ver v : versions) {
                if (v.rev() > rev || v == keep && v.value() != null) {
                    kept.add(v);
                }
            }
            removed += versions.size() - kept.size();
            versions.clear();
            versions.addAll(kept);
        }
        history.values().removeIf(List::isEmpty);
        compacted = rev;
        return removed;
    }

    /** The content hash as TableStore documents it, computed from the model. */
    String contentHash() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.writeLong(revision);
        for (KeyValue kv : liveAt(revision, KeyRange.all())) {
            out.writeInt(kv.key().length);
            out.write(kv.key());
            out.writeInt(kv.value().length);
            out.write(kv.value());
            out.writeLong(kv.createRevision());
            out.writeLong(kv.modRevision());
            out.writeLong(kv.version());
        }
        return HexFormat.of().formatHex(sha.digest(bytes.toByteArray()));
    }
}
