package io.armadakv.node.api;

import com.google.protobuf.ByteString;
import io.armadakv.node.storage.Bytes;

final class Keys {

    private Keys() {
    }

    static String abbreviate(ByteString key) {
        return Bytes.abbreviate(key.size() > 64 ? key.substring(0, 64).toByteArray() : key.toByteArray())
                + (key.size() > 64 ? "...(" + key.size() + " bytes)" : "");
    }
}
