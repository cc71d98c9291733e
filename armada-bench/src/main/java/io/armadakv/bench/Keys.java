package io.armadakv.bench;

import com.google.protobuf.ByteString;

import java.nio.charset.StandardCharsets;

/**
 * Fixed-size keys numbered 0..count-1 with a zero-padded number, so every run addresses the
 * same key space and the keys of one hundred (numbers sharing all but the last two digits)
 * form a prefix range.
 */
final class Keys {

    static final ByteString PREFIX = ByteString.copyFromUtf8("key/");

    private final ByteString[] keys;
    private final int digits;

    Keys(int count, int size) {
        if (count < 1) {
            throw new IllegalArgumentException("--key-count must be at least 1");
        }
        digits = Math.max(3, Integer.toString(count - 1).length());
        keys = new ByteString[count];
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder(PREFIX.toStringUtf8()).append(number(i));
            while (sb.length() < size) {
                sb.append('.');
            }
            keys[i] = ByteString.copyFrom(sb.toString(), StandardCharsets.US_ASCII);
        }
    }

    private String number(int i) {
        String n = Integer.toString(i);
        return "0".repeat(digits - n.length()) + n;
    }

    ByteString get(int i) {
        return keys[i];
    }

    int count() {
        return keys.length;
    }

    /** The prefix shared by key {@code i} and its (up to) 99 neighbours in the same hundred. */
    ByteString hundred(int i) {
        return ByteString.copyFromUtf8(PREFIX.toStringUtf8() + number(i).substring(0, digits - 2));
    }

    /** The end of the range of every key with {@code prefix}: the prefix with its last byte + 1. */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0});
    }
}
