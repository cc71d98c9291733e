package io.armadakv.node.api;

import com.google.protobuf.ByteString;

/** The size limits a request is checked against before it reaches a table. */
record RequestLimits(int maxKeySize, int maxValueSize) {

    /** Upstream's budget for one range message: 4 MiB - 1 KiB of keys and values. */
    static final long MAX_RANGE_BYTES = 4L * 1024 * 1024 - 1024;

    void checkKey(String table, String field, ByteString key) {
        if (key.size() > maxKeySize) {
            throw ApiErrors.failedPrecondition("key length exceeded max allowed value: " + field + " of "
                    + key.size() + " bytes in table " + table + " exceeds the limit of " + maxKeySize + " bytes");
        }
    }

    void checkValue(String table, ByteString key, ByteString value) {
        if (value.size() > maxValueSize) {
            throw ApiErrors.failedPrecondition("value length exceeded max allowed value: value of "
                    + value.size() + " bytes for key " + Keys.abbreviate(key) + " in table " + table
                    + " exceeds the limit of " + maxValueSize + " bytes");
        }
    }
}
