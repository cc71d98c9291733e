package io.armadakv.node.table;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.ExtensionRegistryLite;
import mvcc.v1.Mvcc.CommandResult;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The reply of one applied Raft entry: the results of its commands, in order, each prefixed
 * with its length. One coder covers the whole reply: protobuf's own delimited reads and writes
 * take a fresh 4 KiB buffer per message, which on the leader was a fifth of all it allocated.
 */
final class EntryResults {

    private EntryResults() {
    }

    static ByteString encode(List<CommandResult> results) {
        int size = 0;
        for (CommandResult r : results) {
            int n = r.getSerializedSize();
            size += CodedOutputStream.computeUInt32SizeNoTag(n) + n;
        }
        byte[] out = new byte[size];
        CodedOutputStream coder = CodedOutputStream.newInstance(out);
        try {
            for (CommandResult r : results) {
                coder.writeUInt32NoTag(r.getSerializedSize());
                r.writeTo(coder);
            }
            coder.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a sized array: only a bug gets here
        }
        return UnsafeByteOperations.unsafeWrap(out);
    }

    /**
     * The results of the {@code count} commands of an applied entry, from Ratis' reply to its
     * proposal; a reply that does not hold them is a bug, reported as such for {@code table}.
     */
    static List<CommandResult> read(String table, RaftClientReply reply, int count) {
        try {
            return decode(reply.getMessage().getContent(), count);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("table " + table + ": bad apply reply", e);
        }
    }

    /**
     * The {@code count} results of a reply.
     *
     * @throws IOException when the reply holds fewer or more, or is not results at all: either
     *                     means the reply is not that of the entry the caller proposed
     */
    static List<CommandResult> decode(ByteString reply, int count) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(reply.toByteArray());
        List<CommandResult> results = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (in.isAtEnd()) {
                throw new IOException("the entry's reply has " + i + " results, its entry has " + count + " writes");
            }
            CommandResult.Builder r = CommandResult.newBuilder();
            in.readMessage(r, ExtensionRegistryLite.getEmptyRegistry());
            results.add(r.build());
        }
        if (!in.isAtEnd()) {
            throw new IOException("the entry's reply has more results than its entry has writes (" + count + ")");
        }
        return results;
    }
}
