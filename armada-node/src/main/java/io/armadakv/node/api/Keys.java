package io.armadakv.node.api;

import com.google.protobuf.ByteString;
import io.armadakv.node.storage.Bytes;

final class Keys {

    private Keys() {
    }

    /** At most the first 32 bytes and the full length: a 2 MiB key is not copied to say so. */
    static String abbreviate(ByteString key) {
        return Bytes.abbreviate(key.size() > 32 ? key.substring(0, 32).toByteArray() : key.toByteArray())
                + (key.size() > 32 ? "...(" + key.size() + " bytes)" : "");
    }
}
