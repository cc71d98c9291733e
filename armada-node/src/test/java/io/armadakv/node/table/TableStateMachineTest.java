package io.armadakv.node.table;

import com.google.protobuf.ByteString;
import mvcc.v1.Mvcc;
import mvcc.v1.Mvcc.Command;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TableStateMachineTest {

    /** Every node decodes every entry: a copy of each key and value per write is what aliasing saves. */
    @Test
    void aDecodedCommandSharesTheEntrysBytes() throws IOException {
        byte[] entry = Command.newBuilder().setType(Command.CommandType.PUT).setKv(Mvcc.KeyValue.newBuilder()
                .setKey(ByteString.copyFromUtf8("key")).setValue(ByteString.copyFromUtf8("value"))).build().toByteArray();
        Command command = TableStateMachine.decodeCommand(entry);
        assertEquals("value", command.getKv().getValue().toStringUtf8());

        entry[new String(entry, StandardCharsets.ISO_8859_1).indexOf("value")] = 'V';
        assertEquals("Value", command.getKv().getValue().toStringUtf8(), "the value was copied out of the entry");
    }
}
