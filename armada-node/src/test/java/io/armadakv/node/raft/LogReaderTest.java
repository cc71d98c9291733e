package io.armadakv.node.raft;

import io.armadakv.node.it.LoopbackPorts;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.metrics.RatisMetrics;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.metrics.SegmentedRaftLogMetrics;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A one-peer Ratis group on loopback with small segments and, as Armada runs it, no closed segment cached. */
class LogReaderTest {

    private static final int ENTRY_BYTES = 1000;

    @TempDir
    Path dir;
    private RaftServer server;
    private RaftClient client;
    private RaftServer.Division division;
    private Path logDir;

    @BeforeEach
    void start() throws Exception {
        RaftPeer peer = RaftPeer.newBuilder().setId(RaftPeerId.valueOf("1"))
                .setAddress("127.0.0.1:" + LoopbackPorts.next()).build();
        RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.randomUUID()), peer);
        RaftProperties props = new RaftProperties();
        RaftConfigKeys.Rpc.setType(props, SupportedRpcType.GRPC);
        GrpcConfigKeys.Server.setPort(props, Integer.parseInt(peer.getAddress().split(":")[1]));
        RaftServerConfigKeys.setStorageDir(props, List.of(dir.toFile()));
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf(32 * 1024));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(props, SizeInBytes.valueOf(8 * 1024));
        RaftServerConfigKeys.Log.setWriteBufferSize(props, SizeInBytes.valueOf(16 * 1024));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(props, 0);
        RaftServerConfigKeys.Log.setPurgeGap(props, 1);
        RaftServerConfigKeys.Log.setLogMetadataEnabled(props, false); // as RaftNode: no entries of Ratis' own
        server = RaftServer.newBuilder().setServerId(peer.getId()).setProperties(props).setGroup(group)
                .setStateMachine(new BaseStateMachine()).setOption(RaftStorage.StartupOption.FORMAT).build();
        server.start();
        division = server.getDivision(group.getGroupId());
        logDir = division.getRaftStorage().getStorageDir().getCurrentDir().toPath();
        RaftProperties clientProps = new RaftProperties();
        RaftConfigKeys.Rpc.setType(clientProps, SupportedRpcType.GRPC);
        client = RaftClient.newBuilder().setRaftGroup(group).setProperties(clientProps).build();
    }

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void readsEveryEntryOfClosedAndOpenSegmentsAsRatisWroteThem() throws IOException {
        long last = write(200);
        assertTrue(closedSegments() >= 4, "small segments: several closed ones to read from files");
        long end = division.getRaftLog().getLastEntryTermIndex().getIndex();
        assertTrue(end >= last);
        LogReader.Cursor cursor = new LogReader(division).cursor();
        long missesBefore = ratisCacheMisses();
        List<LogEntryProto> read = new java.util.ArrayList<>();
        for (long i = 0; i <= end; i++) {
            read.add(cursor.get(i));
        }
        assertNull(cursor.get(end + 1), "past the end of the log");
        assertEquals(missesBefore, ratisCacheMisses(),
                "closed segments come from their files, the open one from Ratis' cache: Ratis loaded nothing");
        for (long i = 0; i <= end; i++) {
            assertEquals(division.getRaftLog().get(i), read.get((int) i), "entry " + i);
        }
    }

    @Test
    void aCursorStartingInsideAClosedSegmentReadsFromThere() throws IOException {
        long last = write(200);
        long from = last / 2;
        LogReader.Cursor cursor = new LogReader(division).cursor();
        for (long i = from; i <= last; i++) {
            assertEquals(i, cursor.get(i).getIndex());
            assertEquals(division.getRaftLog().get(i), cursor.get(i));
        }
    }

    @Test
    void followsTheOpenSegmentAsItCloses() throws IOException {
        LogReader reader = new LogReader(division);
        LogReader.Cursor cursor = reader.cursor();
        long next = 1;
        for (int round = 0; round < 6; round++) {
            long last = write(15); // about half a segment: the segment being read closes in some rounds
            for (; next <= last; next++) {
                LogEntryProto read = cursor.get(next);
                assertNotNull(read, "entry " + next + " in round " + round);
                assertEquals(division.getRaftLog().get(next), read);
            }
        }
        assertTrue(closedSegments() >= 2);
    }

    @Test
    void entriesPurgedFromTheLogReadAsNull() throws Exception {
        long last = write(200);
        long purged = division.getRaftLog().purge(last / 2).get();
        assertTrue(purged > 0, "some closed segments purged");
        LogReader reader = new LogReader(division);
        assertNull(reader.cursor().get(0));
        assertNull(reader.cursor().get(purged));
        assertEquals(purged + 1, reader.cursor().get(purged + 1).getIndex());
        assertEquals(last, reader.cursor().get(last).getIndex());
    }

    @Test
    void aCursorOpenedBeforeAPurgeReadsWhatIsLeft() throws Exception {
        long last = write(200);
        LogReader reader = new LogReader(division);
        assertNotNull(reader.cursor().get(1), "lists the segments before the purge");
        long purged = division.getRaftLog().purge(last / 2).get();
        LogReader.Cursor cursor = reader.cursor();
        assertNull(cursor.get(1), "its segment file is gone");
        assertEquals(division.getRaftLog().get(purged + 1), cursor.get(purged + 1));
    }

    /** Writes {@code n} entries of about {@link #ENTRY_BYTES} and returns the last index of the log. */
    private long write(int n) throws IOException {
        byte[] payload = new byte[ENTRY_BYTES];
        for (int i = 0; i < n; i++) {
            Arrays.fill(payload, (byte) i);
            assertTrue(client.io().send(Message.valueOf(ByteString.copyFrom(payload))).isSuccess());
        }
        return division.getRaftLog().getLastCommittedIndex();
    }

    /** Entries Ratis had to load from a segment file because they were not on its heap. */
    private long ratisCacheMisses() {
        return ((RatisMetrics) division.getRaftLog().getRaftLogMetrics()).getRegistry()
                .counter(SegmentedRaftLogMetrics.RAFT_LOG_CACHE_MISS_COUNT).getCount();
    }

    private long closedSegments() throws IOException {
        try (Stream<Path> files = Files.list(logDir)) {
            return files.filter(p -> p.getFileName().toString().matches("log_\\d+-\\d+")).count();
        }
    }
}
