package io.armadakv.proto;

import static io.armadakv.proto.Wire.bytes;
import static io.armadakv.proto.Wire.hex;
import static io.armadakv.proto.Wire.normalize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armada.v1.RangeRequest;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.StructProto;
import mvcc.v1.Mvcc;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An "old client" is simulated by rebuilding mvcc.proto and armada.proto without every field and
 * enum value numbered 100 or more (upstream's schema), then decoding Armada's bytes with it.
 */
class OldClientTest {

  static FileDescriptor oldMvcc;
  static FileDescriptor oldArmada;

  @BeforeAll
  static void buildOldSchema() throws Exception {
    oldMvcc = FileDescriptor.buildFrom(strip(Mvcc.getDescriptor().toProto()), new FileDescriptor[0]);
    oldArmada = FileDescriptor.buildFrom(strip(RangeRequest.getDescriptor().getFile().toProto()),
        new FileDescriptor[] {oldMvcc, StructProto.getDescriptor()});
  }

  static FileDescriptorProto strip(FileDescriptorProto file) {
    FileDescriptorProto.Builder b = file.toBuilder();
    b.getMessageTypeBuilderList().forEach(OldClientTest::strip);
    return b.build();
  }

  static void strip(DescriptorProto.Builder m) {
    for (int i = m.getFieldCount() - 1; i >= 0; i--) {
      if (m.getField(i).getNumber() >= 100) {
        m.removeField(i);
      }
    }
    for (EnumDescriptorProto.Builder e : m.getEnumTypeBuilderList()) {
      for (int i = e.getValueCount() - 1; i >= 0; i--) {
        if (e.getValue(i).getNumber() >= 100) {
          e.removeValue(i);
        }
      }
    }
    m.getNestedTypeBuilderList().forEach(OldClientTest::strip);
  }

  static DynamicMessage parse(Descriptor d, String hex) throws Exception {
    return DynamicMessage.parseFrom(d, bytes(hex));
  }

  @Test
  void oldSchemaReallyLacksTheAdditions() {
    assertEquals(null, oldMvcc.findMessageTypeByName("KeyValue").findFieldByNumber(100));
    assertEquals(null, oldArmada.findMessageTypeByName("RangeRequest").findFieldByName("revision"));
    assertEquals(1, oldMvcc.findMessageTypeByName("Compare").findEnumTypeByName("CompareTarget").getValues().size());
  }

  @Test
  void keyValueWithVersionReadsAsKeyValue() throws Exception {
    String armadaBytes = "0a 01 6b  10 02  18 03  22 01 76  a0 06 05";
    assertEquals(normalize(armadaBytes), hex(Mvcc.KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("k"))
        .setCreateRevision(2).setModRevision(3).setValue(ByteString.copyFromUtf8("v")).setVersion(5)
        .build().toByteArray()));
    Descriptor kv = oldMvcc.findMessageTypeByName("KeyValue");
    DynamicMessage old = parse(kv, armadaBytes);
    assertEquals(ByteString.copyFromUtf8("k"), old.getField(kv.findFieldByName("key")));
    assertEquals(2L, old.getField(kv.findFieldByName("create_revision")));
    assertEquals(3L, old.getField(kv.findFieldByName("mod_revision")));
    assertEquals(ByteString.copyFromUtf8("v"), old.getField(kv.findFieldByName("value")));
    assertTrue(old.getUnknownFields().hasField(100));
  }

  @Test
  void rangeRequestWithRevisionReadsAsLatestRead() throws Exception {
    Descriptor rr = oldArmada.findMessageTypeByName("RangeRequest");
    DynamicMessage old = parse(rr, "0a 01 74  12 01 6b  20 02  a0 06 07");
    assertEquals(ByteString.copyFromUtf8("t"), old.getField(rr.findFieldByName("table")));
    assertEquals(2L, old.getField(rr.findFieldByName("limit")));
    assertTrue(old.getUnknownFields().hasField(100));
  }

  @Test
  void commandWithRevisionReadsAsCommand() throws Exception {
    Descriptor cmd = oldMvcc.findMessageTypeByName("Command");
    DynamicMessage old = parse(cmd, "0a 01 74  28 05  a0 06 09");
    assertEquals(5L, old.getField(cmd.findFieldByName("leader_index")));
    assertTrue(old.getUnknownFields().hasField(100));
  }

  @Test
  void compareOnVersionIsNotMistakenForAValueCompare() throws Exception {
    Descriptor cmp = oldMvcc.findMessageTypeByName("Compare");
    DynamicMessage old = parse(cmp, "08 02  10 64  1a 01 6b  a0 06 03");
    // The operand (field 100) is unknown to the old schema, so `value` stays absent.
    assertFalse(old.hasField(cmp.findFieldByName("value")));
    assertTrue(old.getUnknownFields().hasField(100));
    assertEquals(ByteString.copyFromUtf8("k"), old.getField(cmp.findFieldByName("key")));
  }
}
