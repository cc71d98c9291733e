package io.armadakv.node.replication;

import io.armadakv.node.table.Table;
import mvcc.v1.Mvcc.Command;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import replication.v1.Replication.ReplicateCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Turns a table's Raft log into the commands a follower applies: each leader entry becomes the
 * client commands it carried, each stamped with the entry's index and the revision it got when
 * applied here. Entries that carried no command (elections, configuration, refused commands)
 * become one DUMMY so the follower sees every index.
 */
final class LeaderLog {

    private LeaderLog() {
    }

    /**
     * The commands of entry {@code index}, or null when this node's log no longer holds it.
     *
     * @param log       this node's Raft log of the table ({@link Table#logCursor()})
     * @param revisions the revisions recorded for the entry, null if none were
     */
    static List<ReplicateCommand> commandsAt(LongFunction<LogEntryProto> log, long index, long[] revisions) {
        LogEntryProto entry = log.apply(index);
        if (entry == null) {
            return null;
        }
        if (!entry.hasStateMachineLogEntry()) {
            return List.of(dummy(index));
        }
        if (revisions != null && revisions.length == 0) {
            return List.of(dummy(index)); // every node refused it: it changed nothing
        }
        Command command;
        try {
            command = Command.parseFrom(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return List.of(dummy(index)); // refused as undecodable when it was applied
        }
        List<Command> commands = command.getType() == Command.CommandType.SEQUENCE
                ? command.getSequenceList() : List.of(command);
        List<ReplicateCommand> out = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            Command.Builder c = commands.get(i).toBuilder().setLeaderIndex(index);
            // a GC's revision is its compaction target, not a revision it was given
            if (c.getType() != Command.CommandType.GC) {
                // unknown revisions (an entry applied before they were recorded) are not checked
                c.setRevision(revisions != null && i < revisions.length ? revisions[i] : 0);
            }
            out.add(ReplicateCommand.newBuilder().setLeaderIndex(index).setCommand(c).build());
        }
        return out;
    }

    private static ReplicateCommand dummy(long index) {
        return ReplicateCommand.newBuilder().setLeaderIndex(index)
                .setCommand(Command.newBuilder().setType(Command.CommandType.DUMMY).setLeaderIndex(index)).build();
    }
}
