package io.armadakv.node.backup;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupFormatTest {

    /**
     * The RP-5 bytes of a one-key backup of table "t" (key "k", value "v"), written by hand:
     * the framing-format stream identifier, then one uncompressed chunk (type 0x01, 3-byte
     * length 23, masked CRC-32C of the data) holding the record: 8-byte little-endian length 11
     * and Command{table="t", kv{key="k", value="v"}}.
     */
    static final byte[] GOLDEN = HexFormat.ofDelimiter(" ").parseHex(
            "ff 06 00 00 73 4e 61 50 70 59"
                    + " 01 17 00 00 94 a4 4c 45"
                    + " 0b 00 00 00 00 00 00 00 0a 01 74 1a 06 0a 01 6b 22 01 76");

    @Test
    void writerProducesTheGoldenBytes() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BackupWriter w = new BackupWriter(out, "t")) {
            w.write(bytes("k"), bytes("v"));
        }
        assertEquals(HexFormat.of().formatHex(GOLDEN), HexFormat.of().formatHex(out.toByteArray()));
    }

    @Test
    void readerDecodesTheGoldenBytes() throws IOException {
        try (BackupReader r = new BackupReader(new ByteArrayInputStream(GOLDEN), "golden")) {
            BackupEntry e = r.next();
            assertArrayEquals(bytes("k"), e.key());
            assertArrayEquals(bytes("v"), e.value());
            assertNull(r.next());
        }
    }

    @Test
    void aTrailingDummyRecordIsSkipped() throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (org.xerial.snappy.SnappyFramedOutputStream out = new org.xerial.snappy.SnappyFramedOutputStream(raw)) {
            byte[] dummy = mvcc.v1.Mvcc.Command.newBuilder().setType(mvcc.v1.Mvcc.Command.CommandType.DUMMY)
                    .setLeaderIndex(7).build().toByteArray();
            byte[] len = new byte[8];
            BackupReader.putLongLe(len, dummy.length);
            out.write(len);
            out.write(dummy);
        }
        try (BackupReader r = new BackupReader(new ByteArrayInputStream(raw.toByteArray()), "snapshot")) {
            assertNull(r.next());
            assertEquals(1, r.records());
        }
    }

    @Test
    void aRecordOverTheLimitIsRefusedNamingTheLimit() throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (org.xerial.snappy.SnappyFramedOutputStream out = new org.xerial.snappy.SnappyFramedOutputStream(raw)) {
            byte[] len = new byte[8];
            BackupReader.putLongLe(len, BackupReader.MAX_RECORD_BYTES + 1L);
            out.write(len);
        }
        BackupFormatException e = assertThrows(BackupFormatException.class, () -> readAll(raw.toByteArray()));
        assertTrue(e.getMessage().contains("over the limit of 4194304 bytes"), e.getMessage());
    }

    @Test
    void aNonPutRecordIsRefused() throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (org.xerial.snappy.SnappyFramedOutputStream out = new org.xerial.snappy.SnappyFramedOutputStream(raw)) {
            byte[] del = mvcc.v1.Mvcc.Command.newBuilder().setType(mvcc.v1.Mvcc.Command.CommandType.DELETE).build()
                    .toByteArray();
            byte[] len = new byte[8];
            BackupReader.putLongLe(len, del.length);
            out.write(len);
            out.write(del);
        }
        BackupFormatException e = assertThrows(BackupFormatException.class, () -> readAll(raw.toByteArray()));
        assertTrue(e.getMessage().contains("DELETE"), e.getMessage());
    }

    @Test
    void garbageIsRefused() {
        BackupFormatException e = assertThrows(BackupFormatException.class,
                () -> readAll("this is not a backup at all".getBytes()));
        assertTrue(e.getMessage().contains("not a backup"), e.getMessage());
    }

    @Test
    void aFlippedDataByteFailsTheCrc() {
        byte[] bad = GOLDEN.clone();
        bad[bad.length - 1] ^= 0x01;
        BackupFormatException e = assertThrows(BackupFormatException.class, () -> readAll(bad));
        assertTrue(e.getMessage().contains("corrupted"), e.getMessage());
    }

    @Test
    void anEmptyBackupRoundTrips() throws IOException {
        assertEquals(List.of(), readAll(write(new TreeMap<>())));
    }

    @Property(tries = 60)
    void roundTrip(@ForAll("tables") TreeMap<String, byte[]> table) throws IOException {
        List<BackupEntry> read = readAll(write(table));
        assertEquals(table.size(), read.size());
        int i = 0;
        for (var e : table.entrySet()) {
            assertArrayEquals(bytes(e.getKey()), read.get(i).key());
            assertArrayEquals(e.getValue(), read.get(i).value());
            i++;
        }
    }

    /** Any cut of a non-empty backup is refused, except a cut between two whole chunks, which loses keys but reads cleanly. */
    @Property(tries = 60)
    void truncationIsRefusedOrLosesOnlyWholeChunks(@ForAll("tables") TreeMap<String, byte[]> table,
                                                    @ForAll @IntRange(min = 0, max = 1_000_000) int cutSeed) throws IOException {
        byte[] full = write(table);
        int cut = cutSeed % full.length;
        byte[] truncated = Arrays.copyOf(full, cut);
        try {
            List<BackupEntry> read = readAll(truncated);
            assertTrue(read.size() <= table.size());
        } catch (BackupFormatException expected) {
            assertTrue(expected.getMessage().startsWith("test:"), expected.getMessage());
        }
    }

    /**
     * A flipped bit anywhere after the header never yields wrong data: the CRC, the chunk framing
     * or the record layout refuses it. Two flips get through. One turns a chunk type into a
     * "skippable" one (0x80-0xfd), which loses that chunk's keys: what is read is then still a
     * subsequence of what was written (the CLI's checksums catch that case). The other lands in
     * Snappy's compressed encoding and still decodes to the same bytes (the CRC covers the
     * decoded data), so everything is read, unchanged.
     */
    @Property(tries = 100)
    void aFlippedBitIsNeverReadAsWrongData(@ForAll("tables") TreeMap<String, byte[]> table,
                                           @ForAll @IntRange(min = 0, max = 1_000_000) int at,
                                           @ForAll @IntRange(min = 0, max = 7) int bit) throws IOException {
        byte[] data = write(table);
        byte[] bad = data.clone();
        int i = 10 + at % (bad.length - 10);
        bad[i] ^= (byte) (1 << bit);
        List<BackupEntry> read;
        try {
            read = readAll(bad);
        } catch (BackupFormatException refused) {
            return;
        }
        assertReadIsASubsequence(table, read);
    }

    /** jqwik seed 6318425735633426174: bit 0 of byte 40, inside the compressed chunk, changes no decoded byte. */
    @Test
    void aFlipThatDecodesToTheSameBytesReadsEverythingUnchanged() throws IOException {
        TreeMap<String, byte[]> table = new TreeMap<>();
        table.put("aaaaa", new byte[]{0, 0, 0, 0, 1, 0, 0, 0, 0});
        table.put("aaaaaaaaa", new byte[0]);
        table.put("aaabaaa", new byte[]{0, 0, 0, 0, 0, 0, 0, 1});
        table.put("ab", new byte[0]);
        table.put("b", new byte[0]);
        table.put("baaa", new byte[0]);
        byte[] data = write(table);
        assertEquals(0x00, data[10], "the records sit in one compressed chunk");
        byte[] bad = data.clone();
        bad[40] ^= 1;
        List<BackupEntry> read = readAll(bad);
        assertEquals(table.size(), read.size());
        assertReadIsASubsequence(table, read);
    }

    private static void assertReadIsASubsequence(TreeMap<String, byte[]> table, List<BackupEntry> read) {
        int next = 0;
        List<java.util.Map.Entry<String, byte[]>> written = new ArrayList<>(table.entrySet());
        for (BackupEntry e : read) {
            while (next < written.size() && !(Arrays.equals(bytes(written.get(next).getKey()), e.key())
                    && Arrays.equals(written.get(next).getValue(), e.value()))) {
                next++;
            }
            assertTrue(next < written.size(), "read a key that was not written: " + new String(e.key()));
            next++;
        }
    }

    @Provide
    Arbitrary<TreeMap<String, byte[]>> tables() {
        Arbitrary<String> keys = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(40);
        Arbitrary<byte[]> values = Arbitraries.bytes().array(byte[].class).ofMaxSize(5000);
        return Arbitraries.maps(keys, values).ofMinSize(1).ofMaxSize(200).map(TreeMap::new);
    }

    static byte[] write(TreeMap<String, byte[]> table) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BackupWriter w = new BackupWriter(out, "t")) {
            for (var e : table.entrySet()) {
                w.write(bytes(e.getKey()), e.getValue());
            }
        }
        return out.toByteArray();
    }

    static List<BackupEntry> readAll(byte[] data) throws IOException {
        List<BackupEntry> out = new ArrayList<>();
        try (BackupReader r = new BackupReader(new ByteArrayInputStream(data), "test")) {
            BackupEntry e;
            while ((e = r.next()) != null) {
                out.add(e);
            }
        }
        return out;
    }

    static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
