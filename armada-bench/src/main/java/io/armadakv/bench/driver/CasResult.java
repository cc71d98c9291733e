package io.armadakv.bench.driver;

import com.google.protobuf.ByteString;

/** A compare-and-swap's outcome: whether it swapped, and otherwise the value it found. */
public record CasResult(boolean swapped, ByteString current) {
}
