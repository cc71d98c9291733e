package io.armadakv.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.util.HexFormat;

/** Hex helpers for tests that compare generated messages with hand-written wire bytes. */
final class Wire {
  private Wire() {}

  /** Parses hex with optional whitespace, e.g. {@code "0a 01 74"}. */
  static byte[] bytes(String hex) {
    return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
  }

  static String hex(byte[] data) {
    StringBuilder sb = new StringBuilder();
    for (byte b : data) {
      if (!sb.isEmpty()) {
        sb.append(' ');
      }
      sb.append(String.format("%02x", b & 0xff));
    }
    return sb.toString();
  }

  static String normalize(String hex) {
    return hex(bytes(hex));
  }

  /** The message encodes to exactly {@code expectedHex}. */
  static void assertEncodes(String expectedHex, Message message) {
    assertEquals(normalize(expectedHex), hex(message.toByteArray()),
        () -> message.getDescriptorForType().getFullName() + " encoding");
  }

  /** Parses {@code hex} as the type of {@code prototype}, asserting every field was known. */
  @SuppressWarnings("unchecked")
  static <M extends Message> M decode(String hex, M prototype) {
    try {
      M parsed = (M) prototype.getParserForType().parseFrom(bytes(hex));
      assertTrue(parsed.getUnknownFields().asMap().isEmpty(),
          () -> "unknown fields while decoding " + prototype.getDescriptorForType().getFullName()
              + ": " + parsed.getUnknownFields().asMap().keySet());
      return parsed;
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * The message encodes to exactly {@code hex}, and {@code hex} decodes (with no unknown fields)
   * to a message equal to it, i.e. every getter returns what was set.
   */
  static <M extends Message> M assertWire(String hex, M message) {
    assertEncodes(hex, message);
    M parsed = decode(hex, message);
    assertEquals(message, parsed, () -> message.getDescriptorForType().getFullName() + " decoding");
    return parsed;
  }
}
