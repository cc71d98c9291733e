package io.armadakv.bench;

import com.google.protobuf.ByteString;

import java.nio.charset.StandardCharsets;

/** Fixed-size keys numbered 0..count-1, so every run addresses the same key space. */
final class Keys {

    private final ByteString[] keys;

    Keys(int count, int size) {
        keys = new ByteString[count];
        for (int i = 0; i < count; i++) {
            String base = "key-" + i;
            StringBuilder sb = new StringBuilder(base);
            while (sb.length() < size) {
                sb.append('.');
            }
            keys[i] = ByteString.copyFrom(sb.substring(0, Math.max(size, base.length())), StandardCharsets.US_ASCII);
        }
    }

    ByteString get(int i) {
        return keys[i];
    }

    int count() {
        return keys.length;
    }
}
