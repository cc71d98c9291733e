package io.armadakv.node.api;

import io.armadakv.node.ArmadaNode;
import io.armadakv.node.table.Table;
import io.armadakv.node.table.TableNotFoundException;
import io.armadakv.proto.internal.ApplyRequest;
import io.armadakv.proto.internal.ApplyResponse;
import io.armadakv.proto.internal.Lease;
import io.armadakv.proto.internal.LeaseResponse;
import io.armadakv.proto.internal.ReplicaGrpc;
import io.armadakv.proto.internal.ReplicaTable;
import io.armadakv.proto.internal.ReplicaTablesRequest;
import io.armadakv.proto.internal.ReplicaTablesResponse;
import io.armadakv.proto.internal.TableDescriptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import mvcc.v1.Mvcc.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What a replicator calls on a follower node: the local table set, the apply path of replicated
 * commands, and table leases. Served only by nodes in follower role.
 */
@Dependent
public class ReplicaService extends ReplicaGrpc.ReplicaImplBase {

    @Inject
    ArmadaNode node;

    @Override
    public void tables(ReplicaTablesRequest request, StreamObserver<ReplicaTablesResponse> observer) {
        List<CompletableFuture<ReplicaTable>> each = new ArrayList<>();
        for (TableDescriptor d : node.tables().catalogTables()) {
            Table t = node.tables().find(d.getName()).orElse(null);
            ReplicaTable.Builder b = ReplicaTable.newBuilder().setName(d.getName()).setConfig(d.getConfig())
                    .setLeaderId(d.getLeaderId());
            if (t == null) {
                each.add(CompletableFuture.completedFuture(b.build()));
                continue;
            }
            // after a ReadIndex round the cursor is the group's, not this node's possibly lagging copy
            each.add(t.linearizableBarrier().thenApply(ignored -> b.setLeaderIndex(t.store().leaderIndex())
                    .setRevision(t.store().revision()).build()));
        }
        CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).whenComplete((ok, error) -> {
            if (error != null) {
                observer.onError(ApiErrors.toStatus(error));
                return;
            }
            observer.onNext(ReplicaTablesResponse.newBuilder().addAllTables(each.stream().map(CompletableFuture::join)
                    .toList()).build());
            observer.onCompleted();
        });
    }

    @Override
    public void createTable(ReplicaTable request, StreamObserver<ReplicaTable> observer) {
        TableDescriptor existing = node.tables().catalogTables().stream()
                .filter(d -> d.getName().equals(request.getName())).findFirst().orElse(null);
        if (existing != null) {
            if (existing.getLeaderId() != request.getLeaderId()) {
                observer.onError(Status.ALREADY_EXISTS.withDescription("table " + request.getName()
                        + " is a copy of leader table id " + existing.getLeaderId() + ", not " + request.getLeaderId())
                        .asRuntimeException());
                return;
            }
            reply(observer, describe(existing));
            return;
        }
        node.tables().create(request.getName(), request.getConfig(), request.getLeaderId())
                .whenComplete((d, error) -> {
                    if (error != null) {
                        observer.onError(ApiErrors.toStatus(error));
                    } else {
                        reply(observer, describe(d));
                    }
                });
    }

    @Override
    public void deleteTable(ReplicaTable request, StreamObserver<ReplicaTable> observer) {
        node.tables().delete(request.getName()).whenComplete((d, error) -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof TableNotFoundException) {
                reply(observer, request); // already gone
            } else if (cause != null) {
                observer.onError(ApiErrors.toStatus(cause));
            } else {
                reply(observer, describe(d));
            }
        });
    }

    /**
     * Proposes the commands in order: log commands packed into SEQUENCE entries of at most the
     * batch size that never split the commands of one leader entry, snapshot commands alone.
     */
    @Override
    public void apply(ApplyRequest request, StreamObserver<ApplyResponse> observer) {
        Table table;
        try {
            table = node.tables().find(request.getTable()).orElseThrow(() -> new TableNotFoundException(request.getTable()));
        } catch (RuntimeException e) {
            observer.onError(ApiErrors.toStatus(e));
            return;
        }
        List<Command> entries = pack(request.getCommandsList(), node.nodeConfig().maxBatchBytes());
        CompletableFuture<ApplyResponse> chain = CompletableFuture.completedFuture(ApplyResponse.newBuilder()
                .setLeaderIndex(table.store().leaderIndex()).setRevision(table.store().revision()).build());
        for (Command entry : entries) {
            chain = chain.thenCompose(ignored -> table.replicate(entry, request.getLeaderLastIndex()));
        }
        chain.whenComplete((r, error) -> {
            if (error != null) {
                observer.onError(ApiErrors.toStatus(error));
            } else {
                reply(observer, r);
            }
        });
    }

    static List<Command> pack(List<Command> commands, int maxBytes) {
        List<Command> entries = new ArrayList<>();
        Command.Builder seq = null;
        long bytes = 0;
        for (int i = 0; i < commands.size(); ) {
            Command c = commands.get(i);
            if (c.getType() == Command.CommandType.LOAD || c.getType() == Command.CommandType.LOAD_COMMIT) {
                if (seq != null) {
                    entries.add(seq.build());
                    seq = null;
                }
                entries.add(c);
                i++;
                continue;
            }
            // the commands of one leader entry go together
            int end = i + 1;
            long size = c.getSerializedSize() + 8;
            while (end < commands.size() && commands.get(end).getLeaderIndex() == c.getLeaderIndex()
                    && commands.get(end).getType() != Command.CommandType.LOAD
                    && commands.get(end).getType() != Command.CommandType.LOAD_COMMIT) {
                size += commands.get(end).getSerializedSize() + 8;
                end++;
            }
            if (seq != null && bytes + size > maxBytes) {
                entries.add(seq.build());
                seq = null;
            }
            if (seq == null) {
                seq = Command.newBuilder().setType(Command.CommandType.SEQUENCE);
                bytes = 0;
            }
            seq.addAllSequence(commands.subList(i, end)).setLeaderIndex(c.getLeaderIndex());
            bytes += size;
            i = end;
        }
        if (seq != null) {
            entries.add(seq.build());
        }
        return entries;
    }

    @Override
    public void acquireLease(Lease request, StreamObserver<LeaseResponse> observer) {
        node.tables().lease(request.getTable(), request.getHolder(), request.getTtlMs(), request.getRelease())
                .whenComplete((lease, error) -> {
                    if (error != null) {
                        observer.onError(ApiErrors.toStatus(error));
                        return;
                    }
                    LeaseResponse.Builder r = LeaseResponse.newBuilder();
                    lease.ifPresent(l -> r.setGranted(l.getHolder().equals(request.getHolder()))
                            .setHolder(l.getHolder()).setExpiresMs(l.getNowMs() + l.getTtlMs()));
                    reply(observer, r.build());
                });
    }

    private static ReplicaTable describe(TableDescriptor d) {
        return ReplicaTable.newBuilder().setName(d.getName()).setConfig(d.getConfig()).setLeaderId(d.getLeaderId()).build();
    }

    private static <T> void reply(StreamObserver<T> observer, T value) {
        observer.onNext(value);
        observer.onCompleted();
    }
}
