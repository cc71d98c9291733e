package io.armadakv.bench;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeysTest {

    @Test
    void keysHaveTheRequestedSizeAndSortInNumberOrder() {
        Keys keys = new Keys(1000, 16);
        for (int i = 0; i < keys.count(); i++) {
            assertEquals(16, keys.get(i).size());
            if (i > 0) {
                assertTrue(ByteString.unsignedLexicographicalComparator().compare(keys.get(i - 1), keys.get(i)) < 0);
            }
        }
    }

    @Test
    void aHundredIsAPrefixRangeOfExactlyOneHundredKeys() {
        Keys keys = new Keys(1000, 16);
        ByteString from = keys.hundred(456);
        ByteString to = Keys.prefixEnd(from);
        long inside = java.util.stream.IntStream.range(0, keys.count()).mapToObj(keys::get)
                .filter(k -> ByteString.unsignedLexicographicalComparator().compare(k, from) >= 0
                        && ByteString.unsignedLexicographicalComparator().compare(k, to) < 0)
                .count();
        assertEquals(100, inside);
    }

    @Test
    void prefixEndCarriesOverTrailingFfBytes() {
        assertEquals(ByteString.copyFrom(new byte[] {'a', 'c'}), Keys.prefixEnd(ByteString.copyFrom(new byte[] {'a', 'b'})));
        assertEquals(ByteString.copyFrom(new byte[] {'b'}), Keys.prefixEnd(ByteString.copyFrom(new byte[] {'a', (byte) 0xff})));
        assertEquals(ByteString.copyFrom(new byte[] {0}), Keys.prefixEnd(ByteString.copyFrom(new byte[] {(byte) 0xff})));
    }
}
