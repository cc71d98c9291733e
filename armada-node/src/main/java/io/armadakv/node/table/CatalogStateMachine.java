package io.armadakv.node.table;

import com.google.protobuf.InvalidProtocolBufferException;
import io.armadakv.node.storage.DeleteResult;
import io.armadakv.node.storage.EntryWriter;
import io.armadakv.node.storage.KeyRange;
import io.armadakv.node.storage.KeyValue;
import io.armadakv.node.storage.RangeQuery;
import io.armadakv.node.storage.RangeResult;
import io.armadakv.node.storage.StoreOptions;
import io.armadakv.proto.internal.CatalogCommand;
import io.armadakv.proto.internal.CatalogResult;
import io.armadakv.proto.internal.Lease;
import io.armadakv.proto.internal.MemberInfo;
import io.armadakv.node.storage.Bytes;
import io.armadakv.proto.internal.TableDescriptor;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The table catalog: table name to descriptor, replicated by the catalog group that every node
 * hosts. Shard ids come from a counter in the catalog store, so they are never reused.
 */
final class CatalogStateMachine extends StoreStateMachine {

    static final long FIRST_TABLE_ID = 10001;
    private static final String TABLE_PREFIX = "table/";
    private static final String MEMBER_PREFIX = "member/";
    private static final String LEASE_PREFIX = "lease/";
    private static final String NEXT_ID = "next-table-id";

    private final Runnable onChange;

    CatalogStateMachine(Path dir, StoreOptions options, Runnable onChange, SnapshotFetcher fetcher) {
        super(dir, options, fetcher);
        this.onChange = onChange;
    }

    @Override
    ByteString applyEntry(EntryWriter w, long index, ByteString data) {
        CatalogCommand command;
        try {
            command = CatalogCommand.parseFrom(data.asReadOnlyByteBuffer());
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidCommandException("catalog", "undecodable catalog command: " + e.getMessage());
        }
        CatalogResult result = switch (command.getOpCase()) {
            case CREATE_TABLE -> create(w, index, command);
            case DELETE_TABLE -> delete(w, command.getDeleteTable().getName());
            case REGISTER_MEMBER -> {
                MemberInfo m = command.getRegisterMember();
                w.put(memberKey(m.getNodeId()), m.toByteArray(), false);
                yield CatalogResult.newBuilder().setOutcome(CatalogResult.Outcome.OK).build();
            }
            case LEASE -> lease(w, command.getLease());
            case OP_NOT_SET -> throw new InvalidCommandException("catalog", "empty catalog command");
        };
        return UnsafeByteOperations.unsafeWrap(result.toByteArray());
    }

    /** Table ids come from the committed counter, so each catalog entry is a commit of its own. */
    @Override
    boolean commitsEntriesTogether() {
        return false;
    }

    @Override
    void afterApply() {
        onChange.run();
    }

    private CatalogResult create(EntryWriter w, long index, CatalogCommand command) {
        String name = command.getCreateTable().getName();
        RangeResult existing = w.range(RangeQuery.of(KeyRange.single(key(name))));
        if (!existing.kvs().isEmpty()) {
            return CatalogResult.newBuilder().setOutcome(CatalogResult.Outcome.ALREADY_EXISTS)
                    .setTable(decode(existing.kvs().getFirst())).build();
        }
        // one catalog command per entry and one apply thread: the committed counter is current
        long id = nextTableId();
        TableDescriptor table = TableDescriptor.newBuilder()
                .setName(name)
                .setId(id)
                .setConfig(command.getCreateTable().getConfig())
                .setCreatedIndex(index)
                .setLeaderId(command.getCreateTable().getLeaderId())
                .build();
        w.put(key(name), table.toByteArray(), false);
        w.putMeta(NEXT_ID, ByteBuffer.allocate(8).putLong(id + 1).array());
        return CatalogResult.newBuilder().setOutcome(CatalogResult.Outcome.OK).setTable(table).build();
    }

    /**
     * Grants the lease when the table has no holder, the holder asks again, or the claim ran out
     * by the proposer's clock; the clock travels in the command, so every node decides alike.
     */
    private static CatalogResult lease(EntryWriter w, Lease request) {
        byte[] key = (LEASE_PREFIX + request.getTable()).getBytes(StandardCharsets.UTF_8);
        RangeResult existing = w.range(RangeQuery.of(KeyRange.single(key)));
        Lease current = null;
        if (!existing.kvs().isEmpty()) {
            try {
                current = Lease.parseFrom(existing.kvs().getFirst().value());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("catalog lease of table " + request.getTable() + " is unreadable", e);
            }
        }
        boolean free = current == null || current.getHolder().equals(request.getHolder())
                || current.getNowMs() + current.getTtlMs() <= request.getNowMs();
        Lease after = current;
        if (request.getRelease()) {
            if (current != null && current.getHolder().equals(request.getHolder())) {
                w.deleteRange(KeyRange.single(key), false);
                after = null;
            }
        } else if (free) {
            after = request;
            w.put(key, request.toByteArray(), false);
        }
        CatalogResult.Builder result = CatalogResult.newBuilder().setOutcome(CatalogResult.Outcome.OK);
        if (after != null) {
            result.setLease(after);
        }
        return result.build();
    }

    private static CatalogResult delete(EntryWriter w, String name) {
        DeleteResult d = w.deleteRange(KeyRange.single(key(name)), true);
        if (d.deleted() == 0) {
            return CatalogResult.newBuilder().setOutcome(CatalogResult.Outcome.NOT_FOUND).build();
        }
        return CatalogResult.newBuilder().setOutcome(CatalogResult.Outcome.OK)
                .setTable(decode(d.prevKvs().getFirst())).build();
    }


    /** The next shard id the catalog will hand out. */
    long nextTableId() {
        byte[] v = store().meta(NEXT_ID);
        return v == null ? FIRST_TABLE_ID : ByteBuffer.wrap(v).getLong();
    }

    List<TableDescriptor> tables() {
        RangeResult all = store().range(RangeQuery.of(KeyRange.prefix(key(""))));
        List<TableDescriptor> out = new ArrayList<>(all.kvs().size());
        for (KeyValue kv : all.kvs()) {
            out.add(decode(kv));
        }
        return out;
    }

    Optional<TableDescriptor> table(String name) {
        RangeResult r = store().range(RangeQuery.of(KeyRange.single(key(name))));
        return r.kvs().isEmpty() ? Optional.empty() : Optional.of(decode(r.kvs().getFirst()));
    }

    /** Tables and members live in separate key spaces of the catalog store. */
    private static byte[] key(String name) {
        return (TABLE_PREFIX + name).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] memberKey(long nodeId) {
        return (MEMBER_PREFIX + String.format("%020d", nodeId)).getBytes(StandardCharsets.UTF_8);
    }

    List<MemberInfo> members() {
        RangeResult all = store().range(RangeQuery.of(KeyRange.prefix(MEMBER_PREFIX.getBytes(StandardCharsets.UTF_8))));
        List<MemberInfo> out = new ArrayList<>(all.kvs().size());
        for (KeyValue kv : all.kvs()) {
            try {
                out.add(MemberInfo.parseFrom(kv.value()));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("catalog member entry is unreadable", e);
            }
        }
        return out;
    }

    private static TableDescriptor decode(KeyValue kv) {
        try {
            return TableDescriptor.parseFrom(kv.value());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("catalog entry " + Bytes.abbreviate(kv.key())
                    + " is unreadable", e);
        }
    }
}
