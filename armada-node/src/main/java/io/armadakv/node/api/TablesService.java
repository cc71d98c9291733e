package io.armadakv.node.api;

import armada.v1.CreateTableRequest;
import armada.v1.CreateTableResponse;
import armada.v1.DeleteTableRequest;
import armada.v1.DeleteTableResponse;
import armada.v1.ListTablesRequest;
import armada.v1.ListTablesResponse;
import armada.v1.TableInfo;
import armada.v1.TablesGrpc;
import io.armadakv.node.ArmadaNode;
import io.armadakv.node.table.TableNotFoundException;
import io.armadakv.proto.internal.TableDescriptor;
import io.grpc.stub.StreamObserver;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;

import java.util.concurrent.CompletionException;

/** regatta.v1.Tables: the table catalog (API.md section 4.9). */
@Dependent
public class TablesService extends TablesGrpc.TablesImplBase {

    static final int MAX_NAME_LENGTH = 255;

    @Inject
    ArmadaNode node;

    @Override
    public void create(CreateTableRequest request, StreamObserver<CreateTableResponse> observer) {
        if (node.nodeConfig().follower()) {
            observer.onError(io.grpc.Status.UNIMPLEMENTED.withDescription("method Create not implemented for follower")
                    .asRuntimeException());
            return;
        }
        try {
            String name = validName(request.getName());
            node.tables().create(name, request.getConfig()).whenComplete((table, error) -> {
                if (error != null) {
                    observer.onError(ApiErrors.toStatus(error));
                } else {
                    observer.onNext(CreateTableResponse.newBuilder().setId(Long.toString(table.getId())).build());
                    observer.onCompleted();
                }
            });
        } catch (RuntimeException e) {
            observer.onError(ApiErrors.toStatus(e));
        }
    }

    @Override
    public void delete(DeleteTableRequest request, StreamObserver<DeleteTableResponse> observer) {
        if (node.nodeConfig().follower()) {
            observer.onError(io.grpc.Status.UNIMPLEMENTED.withDescription("method Delete not implemented for follower")
                    .asRuntimeException());
            return;
        }
        try {
            if (request.getName().isEmpty()) {
                throw ApiErrors.invalid("name must be set");
            }
            node.tables().delete(request.getName()).whenComplete((table, error) -> {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof TableNotFoundException) {
                    // upstream answers INVALID_ARGUMENT here, unlike KV's NOT_FOUND (API.md TB-2)
                    observer.onError(ApiErrors.invalid("table not found"));
                } else if (cause != null) {
                    observer.onError(ApiErrors.toStatus(cause));
                } else {
                    observer.onNext(DeleteTableResponse.getDefaultInstance());
                    observer.onCompleted();
                }
            });
        } catch (RuntimeException e) {
            observer.onError(ApiErrors.toStatus(e));
        }
    }

    @Override
    public void list(ListTablesRequest request, StreamObserver<ListTablesResponse> observer) {
        try {
            ListTablesResponse.Builder b = ListTablesResponse.newBuilder();
            for (TableDescriptor d : node.tables().catalogTables()) {
                b.addTables(TableInfo.newBuilder().setName(d.getName()).setId(Long.toString(d.getId())));
            }
            observer.onNext(b.build());
            observer.onCompleted();
        } catch (RuntimeException e) {
            observer.onError(ApiErrors.toStatus(e));
        }
    }

    /**
     * Table names are non-empty UTF-8 of at most 255 bytes. Upstream checks nothing more; we also
     * refuse what is dangerous where names end up: control characters and line separators (log
     * lines, Prometheus labels) and "." and ".." (the backup CLI names files after tables).
     * Slashes and any other character stay allowed, since existing clients may use them; stores are
     * kept under the table's id, never its name.
     */
    static String validName(String name) {
        if (name.isEmpty()) {
            throw ApiErrors.invalid("name must be set");
        }
        int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_LENGTH) {
            throw ApiErrors.invalid("table name " + Keys.abbreviate(com.google.protobuf.ByteString.copyFromUtf8(name))
                    + " of " + bytes + " bytes exceeds the limit of " + MAX_NAME_LENGTH + " bytes");
        }
        if (name.equals(".") || name.equals("..")) {
            throw ApiErrors.invalid("table name \"" + name + "\" is not allowed");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                throw ApiErrors.invalid("table name " + Keys.abbreviate(com.google.protobuf.ByteString.copyFromUtf8(name))
                        + " must not contain control characters or line separators (U+"
                        + String.format("%04X", (int) c) + " at character " + i + ")");
            }
        }
        return name;
    }
}
