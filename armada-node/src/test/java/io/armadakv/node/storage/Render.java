package io.armadakv.node.storage;

import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/** Canonical text of results, so byte arrays compare by content and a mismatch shows readable diffs. */
final class Render {

    private Render() {
    }

    static String hex(byte[] b) {
        return b == null ? "null" : HexFormat.of().formatHex(b);
    }

    static String kv(KeyValue kv) {
        if (kv == null) {
            return "none";
        }
        return hex(kv.key()) + "=" + (kv.value() == null ? "-" : "'" + hex(kv.value()) + "'")
                + "@c" + kv.createRevision() + "m" + kv.modRevision() + "v" + kv.version();
    }

    static String kvs(List<KeyValue> kvs) {
        return kvs.stream().map(Render::kv).collect(Collectors.joining(", ", "[", "]"));
    }

    static String result(Object r) {
        return switch (r) {
            case RangeResult rr -> "range" + kvs(rr.kvs()) + " more=" + rr.more() + " count=" + rr.count() + " rev=" + rr.revision();
            case PutResult p -> "put rev=" + p.revision() + " prev=" + kv(p.prev());
            case DeleteResult d -> "delete rev=" + d.revision() + " deleted=" + d.deleted() + " prev=" + kvs(d.prevKvs());
            case TxnResult t -> "txn ok=" + t.succeeded() + " rev=" + t.revision() + " "
                    + t.results().stream().map(Render::result).collect(Collectors.joining("; ", "{", "}"));
            case Long n -> "n=" + n;
            case List<?> l -> l.stream().map(Render::result).collect(Collectors.joining(" | ", "<", ">"));
            case null -> "null";
            default -> r.toString();
        };
    }
}
