package io.armadakv.node.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pins the bytes on disk and on the wire. Stores written by one version are read by the next and
 * snapshots cross nodes of different versions, so any change here must be a deliberate format
 * change (with a new format version), never an accident.
 */
class StorageFormatGoldenTest {

    private static final HexFormat HEX = HexFormat.of();

    private static byte[] b(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    @Test
    void revisionKeyEncoding() {
        assertEquals("61" + "0001" + "0000000000000001", HEX.formatHex(RevisionKey.encode(b('a'), 1)));
        assertEquals("00ff" + "0001" + "0000000000000002", HEX.formatHex(RevisionKey.encode(b(0x00), 2)));
        assertEquals("00ff00ff" + "0001" + "0000000000000005", HEX.formatHex(RevisionKey.encode(b(0x00, 0x00), 5)));
        assertEquals("ff" + "00ff" + "61" + "0001" + "0102030405060708",
                HEX.formatHex(RevisionKey.encode(b(0xFF, 0x00, 'a'), 0x0102030405060708L)));
        assertEquals("ffff" + "0001" + "7fffffffffffffff", HEX.formatHex(RevisionKey.encode(b(0xFF, 0xFF), Long.MAX_VALUE)));
    }

    @Test
    void revisionKeyDecodesWhatItEncodes() {
        byte[][] keys = {b('a'), b(0x00), b(0x00, 0x00), b(0xFF, 0x00, 'a'), b(0x00, 0xFF), b(0x01, 0x00, 0x01)};
        for (byte[] key : keys) {
            byte[] enc = RevisionKey.encode(key, 42);
            assertArrayEquals(key, RevisionKey.userKey(enc, enc.length));
            assertEquals(42, RevisionKey.revision(enc, enc.length));
            assertTrue(RevisionKey.isKeyOf(enc, enc.length, key));
        }
        byte[] enc = RevisionKey.encode(b(0x00), 1);
        assertEquals(false, RevisionKey.isKeyOf(enc, enc.length, b(0x00, 0x00)));
        assertEquals(false, RevisionKey.isKeyOf(enc, enc.length, b(0x01)));
    }

    /** The kv store's order must be (user key unsigned, then revision), with prefixes first. */
    @Test
    void revisionKeyOrderIsKeyThenRevision() {
        byte[][] keysInOrder = {b(0x00), b(0x00, 0x00), b(0x00, 0x01), b(0x00, 0xFF), b(0x01), b('a'), b('a', 0x00),
                b('a', 0x00, 0x00), b('a', 0x01), b('a', 0xFF), b('b'), b(0xFF), b(0xFF, 0x00), b(0xFF, 0xFF)};
        List<byte[]> encoded = new ArrayList<>();
        for (byte[] key : keysInOrder) {
            for (long rev : new long[] {1, 2, 255, 256, 1L << 40}) {
                encoded.add(RevisionKey.encode(key, rev));
            }
        }
        List<byte[]> sorted = new ArrayList<>(encoded);
        sorted.sort(Arrays::compareUnsigned);
        for (int i = 0; i < encoded.size(); i++) {
            assertArrayEquals(encoded.get(i), sorted.get(i), "position " + i);
        }
    }

    @Test
    void kvValueEncoding() {
        assertEquals("01" + "0000000000000003" + "0000000000000002" + "76",
                HEX.formatHex(StoredVersion.encodePut(3, 2, b('v'))));
        assertEquals("01" + "0000000000000009" + "0000000000000001",
                HEX.formatHex(StoredVersion.encodePut(9, 1, new byte[0])));
        assertEquals("01" + "0000000000000009" + "0000000000000001" + "00",
                HEX.formatHex(StoredVersion.encodePut(9, 1, b(0x00))));
        assertEquals("00", HEX.formatHex(StoredVersion.TOMBSTONE_BYTES));
    }

    @Test
    void latestValueEncoding() {
        assertEquals("0000000000000007" + "0000000000000003" + "0000000000000002",
                HEX.formatHex(new LatestVersion(7, 3, 2).encode()));
        assertEquals(new LatestVersion(7, 3, 2), LatestVersion.decode(new LatestVersion(7, 3, 2).encode()));
    }

    @Test
    void snapshotFormat(@TempDir Path dir) throws Exception {
        try (TableStore store = TableStore.open(dir, new StoreOptions("golden", false))) {
            store.apply(1, 2, 7, w -> w.put(b('a'), b('v'), false));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            store.exportSnapshot(out);
            String body = HEX.formatHex("ARMADAKV".getBytes(StandardCharsets.US_ASCII))
                    + "00000001"                 // format version
                    + "0000000000000001"         // applied index
                    + "0000000000000002"         // applied term
                    + "0000000000000001"         // revision
                    + "0000000000000007"         // leader index
                    + "0000000000000000"         // compacted revision
                    // kv: "a"@1 -> put(create 1, version 1, "v")
                    + "4b" + "0000000b" + "6100010000000000000001" + "00000012" + "01" + "0000000000000001" + "0000000000000001" + "76"
                    // latest: "a" -> (mod 1, create 1, version 1)
                    + "4c" + "00000001" + "61" + "00000018" + "0000000000000001" + "0000000000000001" + "0000000000000001"
                    // meta, in key order
                    + "4d" + "00000007" + hexAscii("applied") + "00000010" + "0000000000000001" + "0000000000000002"
                    + "4d" + "0000000c" + hexAscii("leader-index") + "00000008" + "0000000000000007"
                    + "4d" + "00000008" + hexAscii("revision") + "00000008" + "0000000000000001"
                    + "45" + "0000000000000005";    // end, record count
            String sha = HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(HEX.parseHex(body)));
            assertEquals(body + sha, HEX.formatHex(out.toByteArray()));
        }
    }

    /** The content hash of a known state, so the digest layout cannot drift between versions. */
    @Test
    void contentHashLayout(@TempDir Path dir) throws Exception {
        try (TableStore store = TableStore.open(dir, new StoreOptions("golden", false))) {
            store.apply(1, 1, -1, w -> {
                w.put(b(0x00), new byte[0], false);
                return w.put(b(0xFF), b('x'), false);
            });
            String layout = "0000000000000002"
                    + "00000001" + "00" + "00000000" + "0000000000000001" + "0000000000000001" + "0000000000000001"
                    + "00000001" + "ff" + "00000001" + "78" + "0000000000000002" + "0000000000000002" + "0000000000000001";
            String expected = HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(HEX.parseHex(layout)));
            assertEquals(new ContentHash(2, expected), store.contentHash());
        }
    }

    private static String hexAscii(String s) {
        return HEX.formatHex(s.getBytes(StandardCharsets.US_ASCII));
    }
}
