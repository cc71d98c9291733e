package io.armadakv.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import armada.v1.ClusterGrpc;
import armada.v1.KVGrpc;
import armada.v1.TablesGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import maintenance.v1.MaintenanceGrpc;
import org.junit.jupiter.api.Test;
import regatta.v1.MetricsGrpc;
import replication.v1.LogGrpc;
import replication.v1.MetadataGrpc;
import replication.v1.SnapshotGrpc;

/** Every RPC of API.md §2: full method name, request/response type and streaming shape. */
class GrpcMethodsTest {

  /** full method name -> "Request -> Response shape", transcribed from API.md §2. */
  private static final Map<String, String> SPEC = new TreeMap<>(Map.ofEntries(
      Map.entry("regatta.v1.KV/Range", "regatta.v1.RangeRequest -> regatta.v1.RangeResponse UNARY"),
      Map.entry("regatta.v1.KV/IterateRange", "regatta.v1.RangeRequest -> regatta.v1.RangeResponse SERVER_STREAMING"),
      Map.entry("regatta.v1.KV/Put", "regatta.v1.PutRequest -> regatta.v1.PutResponse UNARY"),
      Map.entry("regatta.v1.KV/DeleteRange", "regatta.v1.DeleteRangeRequest -> regatta.v1.DeleteRangeResponse UNARY"),
      Map.entry("regatta.v1.KV/Txn", "regatta.v1.TxnRequest -> regatta.v1.TxnResponse UNARY"),
      Map.entry("regatta.v1.Cluster/MemberList", "regatta.v1.MemberListRequest -> regatta.v1.MemberListResponse UNARY"),
      Map.entry("regatta.v1.Cluster/Status", "regatta.v1.StatusRequest -> regatta.v1.StatusResponse UNARY"),
      Map.entry("regatta.v1.Tables/Create", "regatta.v1.CreateTableRequest -> regatta.v1.CreateTableResponse UNARY"),
      Map.entry("regatta.v1.Tables/Delete", "regatta.v1.DeleteTableRequest -> regatta.v1.DeleteTableResponse UNARY"),
      Map.entry("regatta.v1.Tables/List", "regatta.v1.ListTablesRequest -> regatta.v1.ListTablesResponse UNARY"),
      Map.entry("regatta.v1.Metrics/GetMetrics", "regatta.v1.MetricsRequest -> regatta.v1.MetricsResponse UNARY"),
      Map.entry("replication.v1.Metadata/Get", "replication.v1.MetadataRequest -> replication.v1.MetadataResponse UNARY"),
      Map.entry("replication.v1.Snapshot/Stream", "replication.v1.SnapshotRequest -> replication.v1.SnapshotChunk SERVER_STREAMING"),
      Map.entry("replication.v1.Snapshot/Query", "replication.v1.SnapshotQueryRequest -> replication.v1.SnapshotQueryResponse UNARY"),
      Map.entry("replication.v1.Log/Replicate", "replication.v1.ReplicateRequest -> replication.v1.ReplicateResponse SERVER_STREAMING"),
      Map.entry("maintenance.v1.Maintenance/Backup", "maintenance.v1.BackupRequest -> replication.v1.SnapshotChunk SERVER_STREAMING"),
      Map.entry("maintenance.v1.Maintenance/Restore", "maintenance.v1.RestoreMessage -> maintenance.v1.RestoreResponse CLIENT_STREAMING"),
      Map.entry("maintenance.v1.Maintenance/Reset", "maintenance.v1.ResetRequest -> maintenance.v1.ResetResponse UNARY")));

  @Test
  void everyServiceMethodMatchesTheSpec() {
    List<ServiceDescriptor> services = List.of(
        KVGrpc.getServiceDescriptor(), ClusterGrpc.getServiceDescriptor(),
        TablesGrpc.getServiceDescriptor(), MetricsGrpc.getServiceDescriptor(),
        MetadataGrpc.getServiceDescriptor(), SnapshotGrpc.getServiceDescriptor(),
        LogGrpc.getServiceDescriptor(), MaintenanceGrpc.getServiceDescriptor());
    Map<String, String> actual = new TreeMap<>();
    for (ServiceDescriptor sd : services) {
      for (MethodDescriptor<?, ?> md : sd.getMethods()) {
        var proto = ((ProtoMethodDescriptorSupplier) md.getSchemaDescriptor()).getMethodDescriptor();
        // The proto descriptor's streaming flags must agree with the gRPC method type.
        MethodType fromProto = proto.isClientStreaming()
            ? (proto.isServerStreaming() ? MethodType.BIDI_STREAMING : MethodType.CLIENT_STREAMING)
            : (proto.isServerStreaming() ? MethodType.SERVER_STREAMING : MethodType.UNARY);
        assertEquals(fromProto, md.getType(), md.getFullMethodName());
        actual.put(md.getFullMethodName(), proto.getInputType().getFullName() + " -> "
            + proto.getOutputType().getFullName() + " " + md.getType());
      }
    }
    assertEquals(SPEC, actual);
  }

  @Test
  void generatedAccessorsUseTheRegattaPaths() {
    assertEquals("regatta.v1.KV/Range", KVGrpc.getRangeMethod().getFullMethodName());
    assertEquals(MethodType.SERVER_STREAMING, KVGrpc.getIterateRangeMethod().getType());
    assertEquals("regatta.v1.Cluster/Status", ClusterGrpc.getStatusMethod().getFullMethodName());
    assertEquals("regatta.v1.Tables/List", TablesGrpc.getListMethod().getFullMethodName());
    assertEquals("regatta.v1.Metrics/GetMetrics", MetricsGrpc.getGetMetricsMethod().getFullMethodName());
    assertEquals("replication.v1.Log/Replicate", LogGrpc.getReplicateMethod().getFullMethodName());
    assertEquals(MethodType.CLIENT_STREAMING, MaintenanceGrpc.getRestoreMethod().getType());
  }

  @Test
  void snapshotStreamIsDeprecated() {
    var proto = ((ProtoMethodDescriptorSupplier) SnapshotGrpc.getStreamMethod().getSchemaDescriptor())
        .getMethodDescriptor();
    assertEquals(true, proto.getOptions().getDeprecated());
  }
}
