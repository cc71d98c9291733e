package io.armadakv.node.table;

import mvcc.v1.Mvcc.CommandResult;
import mvcc.v1.Mvcc.KeyValue;
import mvcc.v1.Mvcc.ResponseOp;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EntryResultsTest {

    private static List<CommandResult> results() {
        List<CommandResult> results = new ArrayList<>();
        results.add(CommandResult.getDefaultInstance()); // encodes to nothing: a zero length alone
        for (int i = 1; i <= 70; i++) {
            KeyValue prev = KeyValue.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("key-" + i))
                    .setValue(com.google.protobuf.ByteString.copyFrom(new byte[i * 7])).setModRevision(i).build();
            results.add(CommandResult.newBuilder().setRevision(1000 + i)
                    .addResponses(ResponseOp.newBuilder().setResponsePut(ResponseOp.Put.newBuilder().setPrevKv(prev)))
                    .build());
        }
        return results;
    }

    @Test
    void resultsComeBackInOrderAsTheyWere() throws IOException {
        List<CommandResult> results = results();
        assertEquals(results, EntryResults.decode(EntryResults.encode(results), results.size()));
    }

    @Test
    void aReplyWithMoreResultsThanWritesIsAnError() {
        ByteString three = EntryResults.encode(results().subList(0, 3));
        IOException e = assertThrows(IOException.class, () -> EntryResults.decode(three, 2));
        assertTrue(e.getMessage().contains("more results") && e.getMessage().contains("(2)"), e.getMessage());
    }

    /** Replies of entries applied before the change are read the same: protobuf's delimited format. */
    @Test
    void theReplyIsProtobufsDelimitedFormat() throws IOException {
        List<CommandResult> results = results();
        ByteArrayOutputStream delimited = new ByteArrayOutputStream();
        for (CommandResult r : results) {
            r.writeDelimitedTo(delimited);
        }
        ByteString encoded = EntryResults.encode(results);
        assertEquals(ByteString.copyFrom(delimited.toByteArray()), encoded);
        ByteArrayInputStream in = new ByteArrayInputStream(encoded.toByteArray());
        for (CommandResult r : results) {
            assertEquals(r, CommandResult.parseDelimitedFrom(in));
        }
    }

    @Test
    void aReplyWithFewerResultsThanWritesIsAnError() {
        ByteString two = EntryResults.encode(results().subList(1, 3));
        IOException e = assertThrows(IOException.class, () -> EntryResults.decode(two, 3));
        assertTrue(e.getMessage().contains("has 2 results") && e.getMessage().contains("3 writes"), e.getMessage());
        ByteString cut = two.substring(0, two.size() - 1);
        assertThrows(IOException.class, () -> EntryResults.decode(cut, 2));
    }

    @Test
    void readingARaftReplyNamesTheTableWhenItHoldsTooFewResults() {
        List<CommandResult> results = results().subList(1, 4);
        assertEquals(results, EntryResults.read("t", reply(EntryResults.encode(results)), 3));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EntryResults.read("orders", reply(EntryResults.encode(results)), 4));
        assertEquals("table orders: bad apply reply", e.getMessage());
        assertTrue(e.getCause() instanceof IOException, String.valueOf(e.getCause()));
    }

    private static org.apache.ratis.protocol.RaftClientReply reply(ByteString content) {
        return org.apache.ratis.protocol.RaftClientReply.newBuilder()
                .setClientId(org.apache.ratis.protocol.ClientId.randomId())
                .setServerId(org.apache.ratis.protocol.RaftPeerId.valueOf("1"))
                .setGroupId(org.apache.ratis.protocol.RaftGroupId.randomId())
                .setCallId(1)
                .setSuccess(true)
                .setMessage(org.apache.ratis.protocol.Message.valueOf(content))
                .build();
    }
}
