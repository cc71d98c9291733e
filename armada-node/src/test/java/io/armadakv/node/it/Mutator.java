package io.armadakv.node.it;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;

/**
 * Hostile variants of a valid protobuf message, from a seeded {@link Random} so that a failing run
 * reproduces: bit flips, truncation, spliced garbage, fields with random numbers and wire types,
 * length prefixes far larger than the data, deeply nested groups and messages, and pure noise.
 */
final class Mutator {

    private final Random random;

    Mutator(Random random) {
        this.random = random;
    }

    byte[] mutate(byte[] valid) {
        return switch (random.nextInt(11)) {
            case 0 -> valid;
            case 1 -> flipBits(valid);
            case 2 -> Arrays.copyOf(valid, valid.length == 0 ? 0 : random.nextInt(valid.length));
            case 3 -> splice(valid, noise(1 + random.nextInt(32)));
            case 4 -> concat(valid, garbageField());
            case 5 -> concat(valid, hugeLengthPrefix());
            case 6 -> nestedGroups(1 + random.nextInt(20_000));
            case 7 -> concat(valid, nestedMessages(50 + random.nextInt(500)));
            case 8 -> noise(random.nextInt(4096));
            case 9 -> concat(valid, valid);
            default -> flipBits(concat(valid, garbageField()));
        };
    }

    byte[] noise(int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    private byte[] flipBits(byte[] valid) {
        if (valid.length == 0) {
            return noise(1 + random.nextInt(8));
        }
        byte[] b = valid.clone();
        int flips = 1 + random.nextInt(8);
        for (int i = 0; i < flips; i++) {
            int bit = random.nextInt(b.length * 8);
            b[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        return b;
    }

    private byte[] splice(byte[] valid, byte[] garbage) {
        int at = valid.length == 0 ? 0 : random.nextInt(valid.length + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(valid, 0, at);
        out.writeBytes(garbage);
        out.write(valid, at, valid.length - at);
        return out.toByteArray();
    }

    /** A field with a random number (including 0 and the largest) and any wire type, 6 and 7 being invalid. */
    private byte[] garbageField() {
        int[] numbers = {0, 1, 2, 3, 4, 5, 64, 100, 101, 1 << 28, (1 << 29) - 1, random.nextInt(1 << 29)};
        int wireType = random.nextInt(8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, ((long) numbers[random.nextInt(numbers.length)] << 3) | wireType);
        switch (wireType) {
            case 0 -> varint(out, random.nextLong());
            case 1 -> out.writeBytes(noise(8));
            case 2 -> {
                byte[] payload = noise(random.nextInt(64));
                varint(out, payload.length);
                out.writeBytes(payload);
            }
            case 5 -> out.writeBytes(noise(4));
            default -> out.writeBytes(noise(random.nextInt(16)));
        }
        return out.toByteArray();
    }

    /** A bytes field that claims up to 2^32 - 1 or 2^63 bytes and carries a few. */
    private byte[] hugeLengthPrefix() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, ((long) (1 + random.nextInt(12)) << 3) | 2);
        long[] lengths = {0xFFFFFFFFL, 0x7FFFFFFFL, Long.MAX_VALUE, -1L, 1L << 40};
        varint(out, lengths[random.nextInt(lengths.length)]);
        out.writeBytes(noise(random.nextInt(32)));
        return out.toByteArray();
    }

    /** Start-group tags with no end: a parser that recursed without a bound would overflow its stack. */
    private byte[] nestedGroups(int depth) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int field = 1 + random.nextInt(15);
        for (int i = 0; i < depth; i++) {
            varint(out, ((long) field << 3) | 3);
        }
        if (random.nextBoolean()) {
            for (int i = 0; i < depth; i++) {
                varint(out, ((long) field << 3) | 4);
            }
        }
        return out.toByteArray();
    }

    /** Length-delimited field 2 inside field 2 ..., which for a Txn is a Compare, for a Command a KeyValue. */
    private byte[] nestedMessages(int depth) {
        byte[] inner = new byte[0];
        for (int i = 0; i < depth; i++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            varint(out, (2 << 3) | 2);
            varint(out, inner.length);
            out.writeBytes(inner);
            inner = out.toByteArray();
        }
        return inner;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }
}
