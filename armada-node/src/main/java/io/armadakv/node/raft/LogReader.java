package io.armadakv.node.raft;

import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.server.raftlog.segmented.LogSegment;
import org.apache.ratis.server.raftlog.segmented.LogSegmentPath;
import org.apache.ratis.util.SizeInBytes;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one group's Raft log forward from an index, for a reader that is not a Raft member: the
 * replicator of a follower cluster. Ratis keeps no closed segment on the heap (see
 * {@link RaftNode}), and a closed entry fetched through {@code RaftLog.get} loads its whole
 * segment into Ratis' cache, which the next eviction may drop before the following entry is asked
 * for. So entries of closed segments are read here from the segment file, once per
 * {@link Cursor}, and only entries of the open segment, which Ratis always holds, come from Ratis.
 */
public final class LogReader {

    /** Ratis' names: {@code log_<start>-<end>} once closed, {@code log_inprogress_<start>} while written. */
    private static final Pattern CLOSED = Pattern.compile("log_(\\d+)-(\\d+)");
    private static final Pattern OPEN = Pattern.compile("log_inprogress_(\\d+)");

    private final RaftServer.Division division;
    private final Path dir;
    private final SizeInBytes maxEntryBytes;
    /** The segment files at the last listing; shared by the cursors of all requests. */
    private volatile Listing listing = new Listing(List.of(), -1);

    public LogReader(RaftServer.Division division) {
        this.division = division;
        this.dir = division.getRaftStorage().getStorageDir().getCurrentDir().toPath();
        this.maxEntryBytes = RaftServerConfigKeys.Log.Appender.bufferByteLimit(division.getRaftServer().getProperties());
    }

    /** Whether this reader reads {@code division}'s log (a restarted group is another division). */
    public boolean reads(RaftServer.Division division) {
        return this.division == division;
    }

    /** A reader for one pass over the log in index order; not thread-safe. */
    public Cursor cursor() {
        return new Cursor();
    }

    public final class Cursor {
        private List<LogEntryProto> buffered = List.of();
        private long bufferedFrom;

        private Cursor() {
        }

        /**
         * The entry at {@code index}, or null when the log no longer (or does not yet) hold it.
         * Reading upward from one index touches each closed segment file once.
         */
        public LogEntryProto get(long index) throws IOException {
            if (index >= bufferedFrom && index - bufferedFrom < buffered.size()) {
                return buffered.get((int) (index - bufferedFrom));
            }
            buffered = List.of();
            for (int attempt = 0; attempt < 3; attempt++) {
                Listing seen = listing;
                if (index > seen.closedEnd() && seen.stillOpen(dir)) {
                    return fromRatis(index); // the open segment: always on Ratis' heap
                }
                Segment segment = seen.find(index);
                if (segment != null) {
                    try {
                        buffered = segment.read(index, maxEntryBytes);
                        bufferedFrom = index;
                        return buffered.isEmpty() ? null : buffered.get(0);
                    } catch (NoSuchFileException purgedOrRenamed) {
                        // listed before a purge or a truncation: list again
                    }
                } else if (index <= seen.closedEnd()) {
                    return null; // below the oldest segment: purged
                }
                listing = list();
            }
            return fromRatis(index); // the files kept moving under us: let Ratis find it
        }
    }

    private LogEntryProto fromRatis(long index) throws RaftLogIOException {
        return division.getRaftLog().get(index);
    }

    private Listing list() throws IOException {
        List<Segment> closed = new ArrayList<>();
        long openStart = -1;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "log_*")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                Matcher m = CLOSED.matcher(name);
                if (m.matches()) {
                    closed.add(new Segment(file, Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
                } else if ((m = OPEN.matcher(name)).matches()) {
                    openStart = Long.parseLong(m.group(1));
                }
            }
        }
        closed.sort((a, b) -> Long.compare(a.start(), b.start()));
        return new Listing(List.copyOf(closed), openStart);
    }

    /** Closed segments in index order, and where the open one starts (-1: none was seen). */
    private record Listing(List<Segment> closed, long openStart) {

        long closedEnd() {
            return closed.isEmpty() ? -1 : closed.get(closed.size() - 1).end();
        }

        /** Whether the open segment of this listing is still being written (one stat). */
        boolean stillOpen(Path dir) {
            return openStart >= 0 && Files.exists(dir.resolve("log_inprogress_" + openStart));
        }

        Segment find(long index) {
            for (Segment s : closed) {
                if (index >= s.start() && index <= s.end()) {
                    return s;
                }
            }
            return null;
        }
    }

    private record Segment(Path file, long start, long end) {

        /** The entries from {@code index} to the end of this closed segment, parsed from its file. */
        List<LogEntryProto> read(long index, SizeInBytes maxEntryBytes) throws IOException {
            if (!Files.exists(file)) {
                throw new NoSuchFileException(file.toString());
            }
            // a closed segment's name matches before any open-segment handling (which may delete files)
            LogSegmentPath path = LogSegmentPath.matchLogSegment(file);
            List<LogEntryProto> out = new ArrayList<>((int) Math.min(end - index + 1, 1 << 16));
            // a file removed since the listing fails here with NoSuchFileException, which the cursor handles
            LogSegment.readSegmentFile(file.toFile(), path.getStartEnd(), maxEntryBytes,
                    RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION, null, entry -> {
                        if (entry.getIndex() >= index) {
                            out.add(entry);
                        }
                    });
            if (!out.isEmpty() && out.get(0).getIndex() != index) {
                throw new IOException("Raft log segment " + file.getFileName() + " has no entry " + index
                        + ": its entries from there on start at " + out.get(0).getIndex());
            }
            return out;
        }
    }
}
