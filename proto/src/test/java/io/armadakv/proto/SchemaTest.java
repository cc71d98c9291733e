package io.armadakv.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import armada.v1.RangeRequest;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import maintenance.v1.MaintenanceOuterClass;
import mvcc.v1.Mvcc;
import org.junit.jupiter.api.Test;
import regatta.v1.MetricsOuterClass;
import replication.v1.Replication;

/**
 * Field names (proto3 JSON derives from them), numbers, types and labels of every message and
 * enum of API.md §3 plus Armada's 100+ additions, read from the compiled descriptors. The byte
 * tests in {@link WireFormatTest} pin the wire; this pins what bytes cannot tell apart (int64 vs
 * uint64, bytes vs string, names) and that no message has fields the spec does not list.
 */
class SchemaTest {

  private static final Map<String, String> MESSAGES = new TreeMap<>(Map.ofEntries(
      // regatta.v1 (armada.proto)
      Map.entry("regatta.v1.ResponseHeader",
          "shard_id=1:uint64 replica_id=2:uint64 revision=3:uint64 raft_term=4:uint64 raft_leader_id=5:uint64"),
      Map.entry("regatta.v1.RangeRequest",
          "table=1:bytes key=2:bytes range_end=3:bytes limit=4:int64 linearizable=5:bool keys_only=6:bool"
              + " count_only=7:bool min_mod_revision=8:int64 max_mod_revision=9:int64"
              + " min_create_revision=10:int64 max_create_revision=11:int64 revision=100:int64"),
      Map.entry("regatta.v1.RangeResponse",
          "header=1:regatta.v1.ResponseHeader kvs=3:repeated mvcc.v1.KeyValue more=4:bool count=5:int64"),
      Map.entry("regatta.v1.PutRequest", "table=1:bytes key=2:bytes value=3:bytes prev_kv=4:bool"),
      Map.entry("regatta.v1.PutResponse", "header=1:regatta.v1.ResponseHeader prev_kv=2:mvcc.v1.KeyValue"),
      Map.entry("regatta.v1.DeleteRangeRequest",
          "table=1:bytes key=2:bytes range_end=3:bytes prev_kv=4:bool count=5:bool"),
      Map.entry("regatta.v1.DeleteRangeResponse",
          "header=1:regatta.v1.ResponseHeader deleted=2:int64 prev_kvs=3:repeated mvcc.v1.KeyValue"),
      Map.entry("regatta.v1.TxnRequest",
          "table=1:bytes compare=2:repeated mvcc.v1.Compare success=3:repeated mvcc.v1.RequestOp"
              + " failure=4:repeated mvcc.v1.RequestOp"),
      Map.entry("regatta.v1.TxnResponse",
          "header=1:regatta.v1.ResponseHeader succeeded=2:bool responses=3:repeated mvcc.v1.ResponseOp"),
      Map.entry("regatta.v1.MemberListRequest", ""),
      Map.entry("regatta.v1.MemberListResponse", "cluster=1:string members=2:repeated regatta.v1.Member"),
      Map.entry("regatta.v1.Member",
          "id=1:string name=2:string peerURLs=3:repeated string clientURLs=4:repeated string"),
      Map.entry("regatta.v1.StatusRequest", "config=4:bool content_hash=100:bool"),
      Map.entry("regatta.v1.TableStatus",
          "leader=4:string raftIndex=5:uint64 raftTerm=6:uint64 raftAppliedIndex=7:uint64"
              + " revision=100:uint64 content_hash=101:string log_entries=102:uint64 store_bytes=103:uint64"
              + " leader_index=104:uint64 leader_last_index=105:uint64"),
      Map.entry("regatta.v1.StatusResponse",
          "id=1:string version=2:string info=3:string tables=4:map<string,regatta.v1.TableStatus>"
              + " config=5:google.protobuf.Struct errors=8:repeated string"),
      Map.entry("regatta.v1.CreateTableRequest", "name=1:string config=5:google.protobuf.Struct"),
      Map.entry("regatta.v1.CreateTableResponse", "id=1:string"),
      Map.entry("regatta.v1.DeleteTableRequest", "name=1:string"),
      Map.entry("regatta.v1.DeleteTableResponse", ""),
      Map.entry("regatta.v1.ListTablesRequest", ""),
      Map.entry("regatta.v1.ListTablesResponse", "tables=1:repeated regatta.v1.TableInfo"),
      Map.entry("regatta.v1.TableInfo", "name=1:string id=2:string config=5:google.protobuf.Struct"),
      // regatta.v1 (metrics.proto)
      Map.entry("regatta.v1.MetricsRequest", "format=1:string"),
      Map.entry("regatta.v1.MetricsResponse", "metrics_data=1:string timestamp=2:int64"),
      // mvcc.v1
      Map.entry("mvcc.v1.KeyValue",
          "key=1:bytes create_revision=2:int64 mod_revision=3:int64 value=4:bytes version=100:int64"),
      Map.entry("mvcc.v1.Compare",
          "result=1:mvcc.v1.Compare.CompareResult target=2:mvcc.v1.Compare.CompareTarget key=3:bytes"
              + " value=4:oneof target_union bytes range_end=64:bytes version=100:oneof target_union int64"
              + " create_revision=101:oneof target_union int64 mod_revision=102:oneof target_union int64"),
      Map.entry("mvcc.v1.RequestOp",
          "request_range=1:oneof request mvcc.v1.RequestOp.Range request_put=2:oneof request mvcc.v1.RequestOp.Put"
              + " request_delete_range=3:oneof request mvcc.v1.RequestOp.DeleteRange"),
      Map.entry("mvcc.v1.RequestOp.Range",
          "key=1:bytes range_end=2:bytes limit=3:int64 keys_only=4:bool count_only=5:bool"),
      Map.entry("mvcc.v1.RequestOp.Put", "key=1:bytes value=2:bytes prev_kv=3:bool"),
      Map.entry("mvcc.v1.RequestOp.DeleteRange", "key=1:bytes range_end=2:bytes prev_kv=4:bool count=5:bool"),
      Map.entry("mvcc.v1.ResponseOp",
          "response_range=1:oneof response mvcc.v1.ResponseOp.Range response_put=2:oneof response mvcc.v1.ResponseOp.Put"
              + " response_delete_range=3:oneof response mvcc.v1.ResponseOp.DeleteRange"),
      Map.entry("mvcc.v1.ResponseOp.Range", "kvs=1:repeated mvcc.v1.KeyValue more=2:bool count=3:int64"),
      Map.entry("mvcc.v1.ResponseOp.Put", "prev_kv=1:mvcc.v1.KeyValue"),
      Map.entry("mvcc.v1.ResponseOp.DeleteRange", "deleted=1:int64 prev_kvs=2:repeated mvcc.v1.KeyValue"),
      Map.entry("mvcc.v1.Txn",
          "compare=1:repeated mvcc.v1.Compare success=2:repeated mvcc.v1.RequestOp failure=3:repeated mvcc.v1.RequestOp"),
      Map.entry("mvcc.v1.Command",
          "table=1:bytes type=2:mvcc.v1.Command.CommandType kv=3:mvcc.v1.KeyValue leader_index=5:optional uint64"
              + " batch=6:repeated mvcc.v1.KeyValue txn=7:optional mvcc.v1.Txn range_end=8:optional bytes"
              + " prev_kvs=9:bool sequence=10:repeated mvcc.v1.Command count=11:bool revision=100:uint64"
              + " load=101:mvcc.v1.SnapshotLoad restore_id=102:uint64 gc_from=103:bytes gc_limit=104:uint64"),
      Map.entry("mvcc.v1.SnapshotLoad",
          "leader_index=1:uint64 revision=2:uint64 compacted_revision=3:uint64 versions=4:uint64"),
      Map.entry("mvcc.v1.CommandResult",
          "responses=1:repeated mvcc.v1.ResponseOp revision=2:uint64 succeeded=100:bool gc_next=101:bytes"),
      // replication.v1
      Map.entry("replication.v1.MetadataRequest", ""),
      Map.entry("replication.v1.MetadataResponse", "tables=1:repeated replication.v1.Table"),
      Map.entry("replication.v1.Table",
          "name=1:string type=2:replication.v1.Table.Type config=100:google.protobuf.Struct id=101:uint64"),
      Map.entry("replication.v1.SnapshotRequest", "table=1:bytes incremental=2:bool leader_index=3:uint64"),
      Map.entry("replication.v1.SnapshotChunk", "data=1:bytes len=2:uint64 index=3:uint64"),
      Map.entry("replication.v1.SnapshotQueryRequest", "table=1:string follower_index=2:uint64"),
      Map.entry("replication.v1.SnapshotQueryResponse",
          "type=1:replication.v1.SnapshotQueryResponse.SnapshotType base_index=2:uint64 tip_index=3:uint64"
              + " object_key=4:string sha256=5:bytes size_bytes=6:int64"),
      Map.entry("replication.v1.ReplicateRequest", "table=1:bytes leader_index=2:uint64"),
      Map.entry("replication.v1.ReplicateResponse",
          "commands_response=1:oneof response replication.v1.ReplicateCommandsResponse"
              + " error_response=2:oneof response replication.v1.ReplicateErrResponse leader_index=8:uint64"),
      Map.entry("replication.v1.ReplicateCommandsResponse", "commands=1:repeated replication.v1.ReplicateCommand"),
      Map.entry("replication.v1.ReplicateCommand", "leader_index=1:uint64 command=2:mvcc.v1.Command"),
      Map.entry("replication.v1.ReplicateErrResponse", "error=1:replication.v1.ReplicateError"),
      Map.entry("replication.v1.ReplicationRequest",
          "metadata=1:oneof request replication.v1.MetadataRequest replicate=2:oneof request replication.v1.ReplicateRequest"
              + " snapshot=3:oneof request replication.v1.SnapshotRequest max_batch_bytes=4:uint64"
              + " client_auth=5:replication.v1.ClientAuth wait_ms=6:uint64"),
      Map.entry("replication.v1.ClientAuth", "certificate_chain=1:repeated bytes signature=2:bytes"),
      Map.entry("replication.v1.AuthChallenge", "nonce=1:bytes"),
      Map.entry("replication.v1.ReplicationFrame",
          "metadata=1:oneof frame replication.v1.MetadataResponse replicate=2:oneof frame replication.v1.ReplicateResponse"
              + " error=3:oneof frame replication.v1.StreamError challenge=4:oneof frame replication.v1.AuthChallenge"
              + " authenticated=5:oneof frame bool"),
      Map.entry("replication.v1.StreamError", "code=1:string message=2:string"),
      // maintenance.v1
      Map.entry("maintenance.v1.BackupRequest", "table=1:bytes"),
      Map.entry("maintenance.v1.RestoreMessage",
          "info=1:oneof data maintenance.v1.RestoreInfo chunk=2:oneof data replication.v1.SnapshotChunk"),
      Map.entry("maintenance.v1.RestoreInfo", "table=1:bytes"),
      Map.entry("maintenance.v1.RestoreResponse", ""),
      Map.entry("maintenance.v1.ResetRequest", "table=1:bytes reset_all=2:bool"),
      Map.entry("maintenance.v1.ResetResponse", "")));

  private static final Map<String, String> ENUMS = new TreeMap<>(Map.of(
      "mvcc.v1.Compare.CompareResult", "EQUAL=0 GREATER=1 LESS=2 NOT_EQUAL=3",
      "mvcc.v1.Compare.CompareTarget", "VALUE=0 VERSION=100 CREATE=101 MOD=102",
      "mvcc.v1.Command.CommandType",
      "PUT=0 DELETE=1 DUMMY=2 PUT_BATCH=3 DELETE_BATCH=4 TXN=5 SEQUENCE=6 GC=7 LOAD=100 LOAD_COMMIT=101"
          + " RESTORE=102 RESTORE_COMMIT=103 RESTORE_ABORT=104",
      "replication.v1.Table.Type", "REPLICATED=0 LOCAL=1",
      "replication.v1.SnapshotQueryResponse.SnapshotType", "NONE=0 FULL=1 INCREMENTAL=2",
      "replication.v1.ReplicateError", "USE_SNAPSHOT=0 LEADER_BEHIND=1"));

  static List<FileDescriptor> files() {
    return List.of(RangeRequest.getDescriptor().getFile(), MetricsOuterClass.getDescriptor(),
        Mvcc.getDescriptor(), Replication.getDescriptor(), MaintenanceOuterClass.getDescriptor());
  }

  static String describe(Descriptor d) {
    return d.getFields().stream().sorted(Comparator.comparingInt(FieldDescriptor::getNumber))
        .map(f -> f.getName() + "=" + f.getNumber() + ":" + label(f)).collect(Collectors.joining(" "));
  }

  static String label(FieldDescriptor f) {
    if (f.isMapField()) {
      Descriptor entry = f.getMessageType();
      return "map<" + type(entry.findFieldByNumber(1)) + "," + type(entry.findFieldByNumber(2)) + ">";
    }
    if (f.isRepeated()) {
      return "repeated " + type(f);
    }
    if (f.getRealContainingOneof() != null) {
      return "oneof " + f.getRealContainingOneof().getName() + " " + type(f);
    }
    if (f.getContainingOneof() != null) { // synthetic oneof of a proto3 `optional`
      return "optional " + type(f);
    }
    return type(f);
  }

  static String type(FieldDescriptor f) {
    return switch (f.getJavaType()) {
      case MESSAGE -> f.getMessageType().getFullName();
      case ENUM -> f.getEnumType().getFullName();
      default -> f.getType().name().toLowerCase();
    };
  }

  static void collect(Descriptor d, Map<String, String> messages, Map<String, String> enums) {
    if (d.getOptions().getMapEntry()) {
      return;
    }
    messages.put(d.getFullName(), describe(d));
    d.getEnumTypes().forEach(e -> enums.put(e.getFullName(), describe(e)));
    d.getNestedTypes().forEach(n -> collect(n, messages, enums));
  }

  static String describe(EnumDescriptor e) {
    return e.getValues().stream().map(v -> v.getName() + "=" + v.getNumber()).collect(Collectors.joining(" "));
  }

  @Test
  void messagesMatchTheSpec() {
    Map<String, String> messages = new TreeMap<>();
    Map<String, String> enums = new TreeMap<>();
    for (FileDescriptor file : files()) {
      file.getMessageTypes().forEach(d -> collect(d, messages, enums));
    }
    // Compare one message at a time for readable failures, then the complete sets.
    MESSAGES.forEach((name, fields) -> assertEquals(fields, messages.get(name), name));
    assertEquals(MESSAGES.keySet(), messages.keySet());
    for (FileDescriptor file : files()) {
      file.getEnumTypes().forEach(e -> enums.put(e.getFullName(), describe(e)));
    }
    assertEquals(ENUMS, enums);
  }

  @Test
  void packagesAndFiles() {
    Map<String, String> actual = new TreeMap<>();
    files().forEach(f -> actual.put(f.getName(), f.getPackage()));
    assertEquals(Map.of("armada.proto", "regatta.v1", "metrics.proto", "regatta.v1", "mvcc.proto", "mvcc.v1",
        "replication.proto", "replication.v1", "maintenance.proto", "maintenance.v1"), actual);
    for (FileDescriptor f : files()) {
      assertEquals("./armadapb", f.getOptions().getGoPackage(), f.getName());
      assertEquals(FileDescriptor.Syntax.PROTO3, f.getSyntax(), f.getName());
    }
  }

  @Test
  void reservedNumbersAndNames() {
    DescriptorProto tableStatus = armada.v1.TableStatus.getDescriptor().toProto();
    assertEquals("[2, 3]", tableStatus.getReservedRangeList().stream()
        .flatMap(r -> java.util.stream.IntStream.range(r.getStart(), r.getEnd()).boxed())
        .toList().toString());
    assertEquals(List.of("logSize", "dbSize"), tableStatus.getReservedNameList());
    DescriptorProto command = Mvcc.Command.getDescriptor().toProto();
    assertEquals("[4]", command.getReservedRangeList().stream()
        .flatMap(r -> java.util.stream.IntStream.range(r.getStart(), r.getEnd()).boxed())
        .toList().toString());
  }
}
