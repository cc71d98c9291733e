package io.armadakv.node.it;

import armada.v1.ClusterGrpc;
import armada.v1.CreateTableRequest;
import armada.v1.ListTablesRequest;
import armada.v1.StatusRequest;
import armada.v1.StatusResponse;
import armada.v1.TablesGrpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** With tables.token set, Tables answers only calls that carry it; KV and Cluster stay open. */
class TokenIT {

    private static final String TOKEN = "tok-7f3a9c1e";

    @TempDir
    Path dir;

    private static TablesGrpc.TablesBlockingStub tables(ArmadaProcess node, String authorization) {
        TablesGrpc.TablesBlockingStub stub = TablesGrpc.newBlockingStub(node.channel())
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        if (authorization == null) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static void assertRefused(String message, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        assertEquals(message, e.getStatus().getDescription());
    }

    @Test
    void tablesNeedsTheTokenAndStatusNeverShowsIt() {
        try (ArmadaProcess node = ArmadaProcess.start(dir, "--tables.token=" + TOKEN)) {
            CreateTableRequest create = CreateTableRequest.newBuilder().setName("guarded").build();
            assertRefused("Request unauthenticated with bearer", () -> tables(node, null).create(create));
            assertRefused("Bad authorization string", () -> tables(node, "Bearer").create(create));
            assertRefused("Invalid token", () -> tables(node, "Bearer wrong").create(create));
            assertRefused("Invalid token", () -> tables(node, "Bearer wrong").list(ListTablesRequest.getDefaultInstance()));
            assertEquals(0, tables(node, "Bearer " + TOKEN).list(ListTablesRequest.getDefaultInstance()).getTablesCount());

            tables(node, "bearer " + TOKEN).create(create);
            assertEquals("guarded", tables(node, "Bearer " + TOKEN).list(ListTablesRequest.getDefaultInstance())
                    .getTables(0).getName());

            // Cluster has no token check; its config shows the key, never the value
            StatusResponse status = ClusterGrpc.newBlockingStub(node.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .status(StatusRequest.newBuilder().setConfig(true).build());
            assertFalse(status.toString().contains(TOKEN), "the token leaked into Status");
            assertFalse(new String(status.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1).contains(TOKEN));
            assertEquals("**********", status.getConfig().getFieldsOrThrow("tables.token").getStructValue()
                    .getFieldsOrThrow("value").getStringValue());
            assertFalse(node.logTail().contains(TOKEN), "the token leaked into the log");
        }
    }
}
