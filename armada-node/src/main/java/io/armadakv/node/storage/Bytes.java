package io.armadakv.node.storage;

import java.nio.charset.StandardCharsets;

/** Small helpers for byte-string keys. */
public final class Bytes {

    private Bytes() {
    }

    /** A short printable form of a key for errors and logs: never the whole of a long key. */
    public static String abbreviate(byte[] key) {
        if (key == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder();
        int n = Math.min(key.length, 32);
        boolean printable = true;
        for (int i = 0; i < n; i++) {
            if (key[i] < 0x20 || key[i] > 0x7E) {
                printable = false;
                break;
            }
        }
        if (printable) {
            sb.append('"').append(new String(key, 0, n, StandardCharsets.US_ASCII)).append('"');
        } else {
            sb.append("0x");
            for (int i = 0; i < n; i++) {
                sb.append(Character.forDigit((key[i] >> 4) & 0xF, 16)).append(Character.forDigit(key[i] & 0xF, 16));
            }
        }
        if (key.length > n) {
            sb.append("...(").append(key.length).append(" bytes)");
        }
        return sb.toString();
    }
}
