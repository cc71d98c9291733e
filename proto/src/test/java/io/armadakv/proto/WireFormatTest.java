package io.armadakv.proto;

import static io.armadakv.proto.Wire.assertEncodes;
import static io.armadakv.proto.Wire.assertWire;
import static io.armadakv.proto.Wire.bytes;
import static io.armadakv.proto.Wire.decode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armada.v1.CreateTableRequest;
import armada.v1.CreateTableResponse;
import armada.v1.DeleteRangeRequest;
import armada.v1.DeleteRangeResponse;
import armada.v1.DeleteTableRequest;
import armada.v1.DeleteTableResponse;
import armada.v1.ListTablesRequest;
import armada.v1.ListTablesResponse;
import armada.v1.Member;
import armada.v1.MemberListRequest;
import armada.v1.MemberListResponse;
import armada.v1.PutRequest;
import armada.v1.PutResponse;
import armada.v1.RangeRequest;
import armada.v1.RangeResponse;
import armada.v1.ResponseHeader;
import armada.v1.StatusRequest;
import armada.v1.StatusResponse;
import armada.v1.TableInfo;
import armada.v1.TableStatus;
import armada.v1.TxnRequest;
import armada.v1.TxnResponse;
import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import maintenance.v1.MaintenanceOuterClass.BackupRequest;
import maintenance.v1.MaintenanceOuterClass.ResetRequest;
import maintenance.v1.MaintenanceOuterClass.ResetResponse;
import maintenance.v1.MaintenanceOuterClass.RestoreInfo;
import maintenance.v1.MaintenanceOuterClass.RestoreMessage;
import maintenance.v1.MaintenanceOuterClass.RestoreResponse;
import mvcc.v1.Mvcc.Command;
import mvcc.v1.Mvcc.Command.CommandType;
import mvcc.v1.Mvcc.CommandResult;
import mvcc.v1.Mvcc.Compare;
import mvcc.v1.Mvcc.Compare.CompareResult;
import mvcc.v1.Mvcc.Compare.CompareTarget;
import mvcc.v1.Mvcc.KeyValue;
import mvcc.v1.Mvcc.RequestOp;
import mvcc.v1.Mvcc.ResponseOp;
import mvcc.v1.Mvcc.Txn;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import regatta.v1.MetricsRequest;
import regatta.v1.MetricsResponse;
import replication.v1.Replication.MetadataRequest;
import replication.v1.Replication.MetadataResponse;
import replication.v1.Replication.ReplicateCommand;
import replication.v1.Replication.ReplicateCommandsResponse;
import replication.v1.Replication.ReplicateErrResponse;
import replication.v1.Replication.ReplicateError;
import replication.v1.Replication.ReplicateRequest;
import replication.v1.Replication.ReplicateResponse;
import replication.v1.Replication.SnapshotChunk;
import replication.v1.Replication.SnapshotQueryRequest;
import replication.v1.Replication.SnapshotQueryResponse;
import replication.v1.Replication.SnapshotRequest;
import replication.v1.Replication.Table;

/**
 * Pins field numbers and wire types against hand-written bytes derived from API.md §3.
 *
 * <p>Tag bytes used below: {@code (number << 3) | wire type}, wire type 0 = varint, 2 = length
 * delimited. Multi-byte tags: field 64 LEN = {@code 82 04}, field 100 varint = {@code a0 06},
 * field 101 varint = {@code a8 06}, field 102 varint = {@code b0 06}. ASCII: t=74 k=6b v=76 z=7a
 * a=61 b=62.
 */
class WireFormatTest {

  static ByteString s(String text) {
    return ByteString.copyFromUtf8(text);
  }

  static KeyValue kv(String key) {
    return KeyValue.newBuilder().setKey(s(key)).build();
  }

  @Nested
  class RegattaV1 {

    @Test
    void responseHeader() {
      ResponseHeader h = assertWire("08 01 10 02 18 03 20 04 28 05", ResponseHeader.newBuilder()
          .setShardId(1).setReplicaId(2).setRevision(3).setRaftTerm(4).setRaftLeaderId(5).build());
      assertEquals(1, h.getShardId());
      assertEquals(2, h.getReplicaId());
      assertEquals(3, h.getRevision());
      assertEquals(4, h.getRaftTerm());
      assertEquals(5, h.getRaftLeaderId());
    }

    @Test
    void rangeRequestAllFields() {
      RangeRequest r = assertWire(
          "0a 01 74  12 01 6b  1a 01 7a  20 04  28 01  30 01  38 01"
              + " 40 08  48 09  50 0a  58 0b  a0 06 64",
          RangeRequest.newBuilder().setTable(s("t")).setKey(s("k")).setRangeEnd(s("z"))
              .setLimit(4).setLinearizable(true).setKeysOnly(true).setCountOnly(true)
              .setMinModRevision(8).setMaxModRevision(9).setMinCreateRevision(10)
              .setMaxCreateRevision(11).setRevision(100).build());
      assertEquals(s("t"), r.getTable());
      assertEquals(s("k"), r.getKey());
      assertEquals(s("z"), r.getRangeEnd());
      assertEquals(4, r.getLimit());
      assertTrue(r.getLinearizable());
      assertTrue(r.getKeysOnly());
      assertTrue(r.getCountOnly());
      assertEquals(8, r.getMinModRevision());
      assertEquals(9, r.getMaxModRevision());
      assertEquals(10, r.getMinCreateRevision());
      assertEquals(11, r.getMaxCreateRevision());
      assertEquals(100, r.getRevision());
    }

    @Test
    void rangeRequestNegativeLimitIsPlainInt64Varint() {
      // int64 (not sint64): -1 is ten bytes of two's complement varint.
      assertWire("20 ff ff ff ff ff ff ff ff ff 01", RangeRequest.newBuilder().setLimit(-1).build());
    }

    @Test
    void keysMayContainZeroBytes() {
      RangeRequest r = assertWire("12 03 00 61 00",
          RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {0, 'a', 0})).build());
      assertArrayEquals(new byte[] {0, 'a', 0}, r.getKey().toByteArray());
    }

    @Test
    void rangeResponse() {
      // header{revision 7}; kvs[{key a, value b}] = 0a 01 61 22 01 62; more; count 1
      RangeResponse r = assertWire("0a 02 18 07  1a 06 0a 01 61 22 01 62  20 01  28 01",
          RangeResponse.newBuilder()
              .setHeader(ResponseHeader.newBuilder().setRevision(7))
              .addKvs(KeyValue.newBuilder().setKey(s("a")).setValue(s("b")))
              .setMore(true).setCount(1).build());
      assertEquals(7, r.getHeader().getRevision());
      assertEquals(s("b"), r.getKvs(0).getValue());
      assertTrue(r.getMore());
      assertEquals(1, r.getCount());
    }

    @Test
    void putRequestAndResponse() {
      assertWire("0a 01 74  12 01 6b  1a 01 76  20 01", PutRequest.newBuilder()
          .setTable(s("t")).setKey(s("k")).setValue(s("v")).setPrevKv(true).build());
      // A one-byte 0x00 value is plain data on the wire.
      assertWire("1a 01 00", PutRequest.newBuilder().setValue(ByteString.copyFrom(new byte[] {0})).build());
      PutResponse p = assertWire("0a 02 08 01  12 05 0a 01 6b 18 03", PutResponse.newBuilder()
          .setHeader(ResponseHeader.newBuilder().setShardId(1))
          .setPrevKv(KeyValue.newBuilder().setKey(s("k")).setModRevision(3)).build());
      assertEquals(3, p.getPrevKv().getModRevision());
    }

    @Test
    void deleteRangeRequestAndResponse() {
      assertWire("0a 01 74  12 01 6b  1a 01 7a  20 01  28 01", DeleteRangeRequest.newBuilder()
          .setTable(s("t")).setKey(s("k")).setRangeEnd(s("z")).setPrevKv(true).setCount(true).build());
      DeleteRangeResponse d = assertWire("0a 02 18 09  10 02  1a 03 0a 01 61  1a 03 0a 01 62",
          DeleteRangeResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(9))
              .setDeleted(2).addPrevKvs(kv("a")).addPrevKvs(kv("b")).build());
      assertEquals(2, d.getDeleted());
      assertEquals(2, d.getPrevKvsCount());
    }

    @Test
    void txnRequestAndResponse() {
      // compare[{key k, value v}]; success[{request_put{key k, value v}}]; failure[{request_range{key k}}]
      assertWire("0a 01 74  12 06 1a 01 6b 22 01 76  1a 08 12 06 0a 01 6b 12 01 76  22 05 0a 03 0a 01 6b",
          TxnRequest.newBuilder().setTable(s("t"))
              .addCompare(Compare.newBuilder().setKey(s("k")).setValue(s("v")))
              .addSuccess(RequestOp.newBuilder().setRequestPut(
                  RequestOp.Put.newBuilder().setKey(s("k")).setValue(s("v"))))
              .addFailure(RequestOp.newBuilder().setRequestRange(
                  RequestOp.Range.newBuilder().setKey(s("k"))))
              .build());
      // responses[{response_put{}}]: an empty oneof member still encodes as 12 00.
      TxnResponse t = assertWire("0a 02 18 05  10 01  1a 02 12 00", TxnResponse.newBuilder()
          .setHeader(ResponseHeader.newBuilder().setRevision(5)).setSucceeded(true)
          .addResponses(ResponseOp.newBuilder().setResponsePut(ResponseOp.Put.getDefaultInstance()))
          .build());
      assertTrue(t.getSucceeded());
      assertEquals(ResponseOp.ResponseCase.RESPONSE_PUT, t.getResponses(0).getResponseCase());
    }

    @Test
    void memberListAndMember() {
      assertWire("", MemberListRequest.getDefaultInstance());
      Member m = assertWire("0a 01 69  12 01 6e  1a 01 70  1a 01 71  22 01 63", Member.newBuilder()
          .setId("i").setName("n").addPeerURLs("p").addPeerURLs("q").addClientURLs("c").build());
      assertEquals(java.util.List.of("p", "q"), m.getPeerURLsList());
      assertEquals(java.util.List.of("c"), m.getClientURLsList());
      assertWire("0a 01 63  12 0c 0a 01 69 12 01 6e 1a 01 70 22 01 71", MemberListResponse.newBuilder()
          .setCluster("c").addMembers(Member.newBuilder().setId("i").setName("n")
              .addPeerURLs("p").addClientURLs("q")).build());
    }

    @Test
    void statusRequestAndTableStatus() {
      assertWire("20 01", StatusRequest.newBuilder().setConfig(true).build());
      TableStatus ts = assertWire("22 01 6c  28 05  30 06  38 07", TableStatus.newBuilder()
          .setLeader("l").setRaftIndex(5).setRaftTerm(6).setRaftAppliedIndex(7).build());
      assertEquals(7, ts.getRaftAppliedIndex());
    }

    @Test
    void tableStatusReservedFieldsAreUnknown() throws Exception {
      // Regatta's logSize=2 / dbSize=3 are reserved: they parse as unknown fields.
      TableStatus ts = TableStatus.parseFrom(bytes("10 01  18 02  22 01 6c"));
      assertEquals("l", ts.getLeader());
      assertTrue(ts.getUnknownFields().hasField(2));
      assertTrue(ts.getUnknownFields().hasField(3));
    }

    @Test
    void statusResponse() {
      // tables{"t": {raftTerm 6}} map entry = 0a 01 74 12 02 30 06;
      // config Struct{fields{"a": {bool_value true}}} = 0a 07 (0a 01 61 12 02 20 01)
      StatusResponse r = assertWire(
          "0a 01 69  12 01 76  1a 01 78  22 07 0a 01 74 12 02 30 06"
              + "  2a 09 0a 07 0a 01 61 12 02 20 01  42 01 65",
          StatusResponse.newBuilder().setId("i").setVersion("v").setInfo("x")
              .putTables("t", TableStatus.newBuilder().setRaftTerm(6).build())
              .setConfig(Struct.newBuilder().putFields("a", Value.newBuilder().setBoolValue(true).build()))
              .addErrors("e").build());
      assertEquals(6, r.getTablesOrThrow("t").getRaftTerm());
      assertEquals("e", r.getErrors(0));
    }

    @Test
    void tablesMessages() {
      assertWire("0a 01 74  2a 00", CreateTableRequest.newBuilder().setName("t")
          .setConfig(Struct.getDefaultInstance()).build());
      assertWire("0a 05 31 30 30 30 31", CreateTableResponse.newBuilder().setId("10001").build());
      assertWire("0a 01 74", DeleteTableRequest.newBuilder().setName("t").build());
      assertWire("", DeleteTableResponse.getDefaultInstance());
      assertWire("", ListTablesRequest.getDefaultInstance());
      assertWire("0a 01 74  12 01 31  2a 00", TableInfo.newBuilder().setName("t").setId("1")
          .setConfig(Struct.getDefaultInstance()).build());
      ListTablesResponse l = assertWire("0a 06 0a 01 74 12 01 31", ListTablesResponse.newBuilder()
          .addTables(TableInfo.newBuilder().setName("t").setId("1")).build());
      assertEquals("1", l.getTables(0).getId());
    }

    @Test
    void metrics() {
      assertWire("0a 01 66", MetricsRequest.newBuilder().setFormat("f").build());
      MetricsResponse m = assertWire("0a 01 6d  10 80 80 80 80 08", MetricsResponse.newBuilder()
          .setMetricsData("m").setTimestamp(1L << 31).build());
      assertEquals(1L << 31, m.getTimestamp());
    }
  }

  @Nested
  class MvccV1 {

    @Test
    void keyValueIncludingVersion100() {
      KeyValue k = assertWire("0a 01 6b  10 02  18 03  22 01 76  a0 06 05", KeyValue.newBuilder()
          .setKey(s("k")).setCreateRevision(2).setModRevision(3).setValue(s("v")).setVersion(5).build());
      assertEquals(2, k.getCreateRevision());
      assertEquals(3, k.getModRevision());
      assertEquals(5, k.getVersion());
    }

    @Test
    void compareValueAndRangeEnd64() {
      Compare c = assertWire("08 01  1a 01 6b  22 01 76  82 04 01 7a", Compare.newBuilder()
          .setResult(CompareResult.GREATER).setTarget(CompareTarget.VALUE).setKey(s("k"))
          .setValue(s("v")).setRangeEnd(s("z")).build());
      assertEquals(Compare.TargetUnionCase.VALUE, c.getTargetUnionCase());
      assertEquals(s("z"), c.getRangeEnd());
    }

    @Test
    void compareValuePresenceIsTheOneof() {
      // An empty value that is set is on the wire (22 00) and decodes as present.
      Compare present = assertWire("1a 01 6b  22 00",
          Compare.newBuilder().setKey(s("k")).setValue(ByteString.EMPTY).build());
      assertTrue(present.hasValue());
      Compare absent = assertWire("1a 01 6b", Compare.newBuilder().setKey(s("k")).build());
      assertFalse(absent.hasValue());
      assertEquals(Compare.TargetUnionCase.TARGETUNION_NOT_SET, absent.getTargetUnionCase());
    }

    @Test
    void compareArmadaTargets() {
      Compare v = assertWire("08 02  10 64  1a 01 6b  a0 06 03", Compare.newBuilder()
          .setResult(CompareResult.LESS).setTarget(CompareTarget.VERSION).setKey(s("k"))
          .setVersion(3).build());
      assertEquals(Compare.TargetUnionCase.VERSION, v.getTargetUnionCase());
      Compare c = assertWire("08 03  10 65  1a 01 6b  a8 06 07", Compare.newBuilder()
          .setResult(CompareResult.NOT_EQUAL).setTarget(CompareTarget.CREATE).setKey(s("k"))
          .setCreateRevision(7).build());
      assertEquals(Compare.TargetUnionCase.CREATE_REVISION, c.getTargetUnionCase());
      Compare m = assertWire("10 66  1a 01 6b  b0 06 08", Compare.newBuilder()
          .setResult(CompareResult.EQUAL).setTarget(CompareTarget.MOD).setKey(s("k"))
          .setModRevision(8).build());
      assertEquals(Compare.TargetUnionCase.MOD_REVISION, m.getTargetUnionCase());
      assertEquals(8, m.getModRevision());
    }

    @Test
    void compareEnumNumbers() {
      assertEquals(0, CompareResult.EQUAL.getNumber());
      assertEquals(1, CompareResult.GREATER.getNumber());
      assertEquals(2, CompareResult.LESS.getNumber());
      assertEquals(3, CompareResult.NOT_EQUAL.getNumber());
      assertEquals(0, CompareTarget.VALUE.getNumber());
      assertEquals(100, CompareTarget.VERSION.getNumber());
      assertEquals(101, CompareTarget.CREATE.getNumber());
      assertEquals(102, CompareTarget.MOD.getNumber());
    }

    @Test
    void requestOpVariants() {
      RequestOp r = assertWire("0a 0c 0a 01 6b 12 01 7a 18 03 20 01 28 01", RequestOp.newBuilder()
          .setRequestRange(RequestOp.Range.newBuilder().setKey(s("k")).setRangeEnd(s("z"))
              .setLimit(3).setKeysOnly(true).setCountOnly(true)).build());
      assertEquals(3, r.getRequestRange().getLimit());
      assertWire("12 08 0a 01 6b 12 01 76 18 01", RequestOp.newBuilder()
          .setRequestPut(RequestOp.Put.newBuilder().setKey(s("k")).setValue(s("v")).setPrevKv(true))
          .build());
      // DeleteRange: prev_kv = 4, count = 5 (field 3 unused).
      RequestOp d = assertWire("1a 0a 0a 01 6b 12 01 7a 20 01 28 01", RequestOp.newBuilder()
          .setRequestDeleteRange(RequestOp.DeleteRange.newBuilder().setKey(s("k"))
              .setRangeEnd(s("z")).setPrevKv(true).setCount(true)).build());
      assertTrue(d.getRequestDeleteRange().getCount());
    }

    @Test
    void responseOpVariants() {
      ResponseOp r = assertWire("0a 09 0a 03 0a 01 61 10 01 18 01", ResponseOp.newBuilder()
          .setResponseRange(ResponseOp.Range.newBuilder().addKvs(kv("a")).setMore(true).setCount(1))
          .build());
      assertEquals(1, r.getResponseRange().getCount());
      assertWire("12 05 0a 03 0a 01 61", ResponseOp.newBuilder()
          .setResponsePut(ResponseOp.Put.newBuilder().setPrevKv(kv("a"))).build());
      ResponseOp d = assertWire("1a 07 08 02 12 03 0a 01 61", ResponseOp.newBuilder()
          .setResponseDeleteRange(ResponseOp.DeleteRange.newBuilder().setDeleted(2).addPrevKvs(kv("a")))
          .build());
      assertEquals(2, d.getResponseDeleteRange().getDeleted());
    }

    @Test
    void txn() {
      assertWire("0a 03 1a 01 6b  12 05 12 03 0a 01 6b  1a 05 1a 03 0a 01 6b", Txn.newBuilder()
          .addCompare(Compare.newBuilder().setKey(s("k")))
          .addSuccess(RequestOp.newBuilder().setRequestPut(RequestOp.Put.newBuilder().setKey(s("k"))))
          .addFailure(RequestOp.newBuilder().setRequestDeleteRange(
              RequestOp.DeleteRange.newBuilder().setKey(s("k"))))
          .build());
    }

    @Test
    void commandAllFields() {
      Command c = assertWire(
          "0a 01 74  10 05  1a 03 0a 01 6b  28 05  32 03 0a 01 61  3a 00  42 01 7a  48 01"
              + "  52 02 10 02  58 01  a0 06 09",
          Command.newBuilder().setTable(s("t")).setType(CommandType.TXN).setKv(kv("k"))
              .setLeaderIndex(5).addBatch(kv("a")).setTxn(Txn.getDefaultInstance())
              .setRangeEnd(s("z")).setPrevKvs(true)
              .addSequence(Command.newBuilder().setType(CommandType.DUMMY))
              .setCount(true).setRevision(9).build());
      assertTrue(c.hasTxn());
      assertEquals(5, c.getLeaderIndex());
      assertEquals(CommandType.DUMMY, c.getSequence(0).getType());
      assertEquals(9, c.getRevision());
    }

    @Test
    void commandOptionalFieldsKeepPresenceAtZero() {
      // optional uint64 leader_index = 5 and optional bytes range_end = 8 encode even when empty.
      Command c = assertWire("10 02  28 00  42 00", Command.newBuilder().setType(CommandType.DUMMY)
          .setLeaderIndex(0).setRangeEnd(ByteString.EMPTY).build());
      assertTrue(c.hasLeaderIndex());
      assertTrue(c.hasRangeEnd());
      Command none = decode("10 02", Command.getDefaultInstance());
      assertFalse(none.hasLeaderIndex());
      assertFalse(none.hasRangeEnd());
      assertFalse(none.hasTxn());
    }

    @Test
    void commandTypeNumbers() {
      String[] names = {"PUT", "DELETE", "DUMMY", "PUT_BATCH", "DELETE_BATCH", "TXN", "SEQUENCE", "GC"};
      for (int i = 0; i < names.length; i++) {
        assertEquals(names[i], CommandType.forNumber(i).name());
      }
      assertEquals(null, CommandType.forNumber(8));
      assertWire("10 07  28 0a", Command.newBuilder().setType(CommandType.GC).setLeaderIndex(10).build());
    }

    @Test
    void commandResult() {
      CommandResult r = assertWire("0a 02 12 00  10 09", CommandResult.newBuilder()
          .addResponses(ResponseOp.newBuilder().setResponsePut(ResponseOp.Put.getDefaultInstance()))
          .setRevision(9).build());
      assertEquals(9, r.getRevision());
    }
  }

  @Nested
  class ReplicationV1 {

    @Test
    void metadata() {
      assertWire("", MetadataRequest.getDefaultInstance());
      MetadataResponse m = assertWire("0a 05 0a 01 74 10 01", MetadataResponse.newBuilder()
          .addTables(Table.newBuilder().setName("t").setType(Table.Type.LOCAL)).build());
      assertEquals(Table.Type.LOCAL, m.getTables(0).getType());
      assertEquals(0, Table.Type.REPLICATED.getNumber());
    }

    @Test
    void snapshotRequestAndChunk() {
      assertWire("0a 01 74  10 01  18 03", SnapshotRequest.newBuilder().setTable(s("t"))
          .setIncremental(true).setLeaderIndex(3).build());
      SnapshotChunk c = assertWire("0a 01 64  10 01  18 02", SnapshotChunk.newBuilder()
          .setData(s("d")).setLen(1).setIndex(2).build());
      assertEquals(1, c.getLen());
      assertEquals(2, c.getIndex());
    }

    @Test
    void snapshotQuery() {
      assertWire("0a 01 74  10 04", SnapshotQueryRequest.newBuilder().setTable("t").setFollowerIndex(4).build());
      SnapshotQueryResponse r = assertWire("08 01  10 02  18 03  22 01 6f  2a 01 ab  30 06",
          SnapshotQueryResponse.newBuilder().setType(SnapshotQueryResponse.SnapshotType.FULL)
              .setBaseIndex(2).setTipIndex(3).setObjectKey("o")
              .setSha256(ByteString.copyFrom(new byte[] {(byte) 0xab})).setSizeBytes(6).build());
      assertEquals(6, r.getSizeBytes());
      assertEquals(0, SnapshotQueryResponse.SnapshotType.NONE.getNumber());
      assertEquals(2, SnapshotQueryResponse.SnapshotType.INCREMENTAL.getNumber());
    }

    @Test
    void replicateRequest() {
      assertWire("0a 01 74  10 01", ReplicateRequest.newBuilder().setTable(s("t")).setLeaderIndex(1).build());
    }

    @Test
    void replicateResponseWithCommandsAndLeaderIndex8() {
      // command {type DUMMY, leader_index 7} = 10 02 28 07
      ReplicateResponse r = assertWire("0a 0a 0a 08 08 07 12 04 10 02 28 07  40 09",
          ReplicateResponse.newBuilder().setLeaderIndex(9).setCommandsResponse(
              ReplicateCommandsResponse.newBuilder().addCommands(ReplicateCommand.newBuilder()
                  .setLeaderIndex(7).setCommand(Command.newBuilder().setType(CommandType.DUMMY)
                      .setLeaderIndex(7)))).build());
      assertEquals(9, r.getLeaderIndex());
      assertEquals(7, r.getCommandsResponse().getCommands(0).getLeaderIndex());
    }

    @Test
    void useSnapshotIsAnEmptyPresentErrorResponse() {
      ReplicateResponse r = assertWire("12 00", ReplicateResponse.newBuilder()
          .setErrorResponse(ReplicateErrResponse.getDefaultInstance()).build());
      assertTrue(r.hasErrorResponse());
      assertEquals(ReplicateResponse.ResponseCase.ERROR_RESPONSE, r.getResponseCase());
      assertEquals(ReplicateError.USE_SNAPSHOT, r.getErrorResponse().getError());
      assertEquals(0, ReplicateError.USE_SNAPSHOT.getNumber());
    }

    @Test
    void leaderBehindAndFinalFrame() {
      assertWire("12 02 08 01", ReplicateResponse.newBuilder().setErrorResponse(
          ReplicateErrResponse.newBuilder().setError(ReplicateError.LEADER_BEHIND)).build());
      assertEquals(1, ReplicateError.LEADER_BEHIND.getNumber());
      ReplicateResponse fin = assertWire("40 09", ReplicateResponse.newBuilder().setLeaderIndex(9).build());
      assertEquals(ReplicateResponse.ResponseCase.RESPONSE_NOT_SET, fin.getResponseCase());
    }
  }

  @Nested
  class MaintenanceV1 {

    @Test
    void backupAndRestore() {
      assertWire("0a 01 74", BackupRequest.newBuilder().setTable(s("t")).build());
      assertWire("0a 01 74", RestoreInfo.newBuilder().setTable(s("t")).build());
      RestoreMessage info = assertWire("0a 03 0a 01 74", RestoreMessage.newBuilder()
          .setInfo(RestoreInfo.newBuilder().setTable(s("t"))).build());
      assertEquals(RestoreMessage.DataCase.INFO, info.getDataCase());
      RestoreMessage chunk = assertWire("12 05 0a 01 64 10 01", RestoreMessage.newBuilder()
          .setChunk(SnapshotChunk.newBuilder().setData(s("d")).setLen(1)).build());
      assertEquals(RestoreMessage.DataCase.CHUNK, chunk.getDataCase());
      assertTrue(decode("0a 00", RestoreMessage.getDefaultInstance()).hasInfo());
      assertWire("", RestoreResponse.getDefaultInstance());
    }

    @Test
    void reset() {
      ResetRequest r = assertWire("0a 01 74  10 01", ResetRequest.newBuilder().setTable(s("t"))
          .setResetAll(true).build());
      assertTrue(r.getResetAll());
      assertWire("", ResetResponse.getDefaultInstance());
    }
  }

  @Test
  void unknownFieldsAreSkippedByTheParser() throws Exception {
    // Field 200 as varint (c0 0c) and as bytes (c2 0c) between known fields.
    KeyValue k = KeyValue.parseFrom(bytes("0a 01 6b  c0 0c 01  c2 0c 02 ff ff  22 01 76"));
    assertEquals(s("k"), k.getKey());
    assertEquals(s("v"), k.getValue());
    assertTrue(k.getUnknownFields().hasField(200));
    assertEncodes("0a 01 6b  22 01 76", k.toBuilder().setUnknownFields(
        com.google.protobuf.UnknownFieldSet.getDefaultInstance()).build());
  }
}
