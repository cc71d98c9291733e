package io.armadakv.node.api;

import com.google.protobuf.ByteString;
import io.armadakv.node.config.ConfigKeys;
import io.armadakv.node.config.NodeConfig;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The limits a request is checked against before it reaches a table, and a response before it
 * is sent. Key and value sizes fail with FAILED_PRECONDITION as API.md P-1 prescribes; too many
 * Txn ops with INVALID_ARGUMENT; a result larger than a client may receive with RESOURCE_EXHAUSTED.
 * Every message names the table, the key where there is one, and the limit with its config key.
 */
record RequestLimits(int maxKeySize, int maxValueSize, int maxTxnOps, int maxSendMessageSize) {

    /** Upstream's budget for one range message: 4 MiB - 1 KiB of keys and values. */
    static final long MAX_RANGE_BYTES = 4L * 1024 * 1024 - 1024;

    static RequestLimits of(NodeConfig config) {
        return new RequestLimits(config.maxKeySize(), config.maxValueSize(), config.apiLimits().maxTxnOps(),
                config.apiLimits().maxSendMessageSize());
    }

    void checkKey(String table, String field, ByteString key) {
        if (key.size() > maxKeySize) {
            throw ApiErrors.failedPrecondition("key length exceeded max allowed value: " + field + " "
                    + Keys.abbreviate(key) + " of " + key.size() + " bytes in table " + table
                    + " exceeds the limit of " + maxKeySize + " bytes (" + ConfigKeys.MAX_KEY_SIZE.name() + ")");
        }
    }

    void checkValue(String table, ByteString key, ByteString value) {
        if (value.size() > maxValueSize) {
            throw ApiErrors.failedPrecondition("value length exceeded max allowed value: value of "
                    + value.size() + " bytes for key " + Keys.abbreviate(key) + " in table " + table
                    + " exceeds the limit of " + maxValueSize + " bytes (" + ConfigKeys.MAX_VALUE_SIZE.name() + ")");
        }
    }

    /** etcd's rule: the compares, the success ops and the failure ops are each counted on their own. */
    void checkTxnOps(String table, String list, int count) {
        if (count > maxTxnOps) {
            throw ApiErrors.invalid("too many operations in txn request: " + count + " " + list + " in table "
                    + table + " exceed the limit of " + maxTxnOps + " (" + ConfigKeys.MAX_TXN_OPS.name() + ")");
        }
    }

    /**
     * A response the client's default receive limit would reject is refused here instead, with a
     * message that says what to do; {@code what} names the call, its key and whether it was applied.
     */
    void checkResponse(String table, String what, int bytes) {
        if (bytes > maxSendMessageSize) {
            throw tooLarge(table, what + " is " + bytes + " bytes");
        }
    }

    /** As above, for a hot path: the description is only built for a refusal. */
    void checkResponse(String table, java.util.function.Supplier<String> what, int bytes) {
        if (bytes > maxSendMessageSize) {
            checkResponse(table, what.get(), bytes);
        }
    }

    StatusRuntimeException tooLarge(String table, String what) {
        return Status.RESOURCE_EXHAUSTED.withDescription("response too large: " + what + " in table " + table
                + ", over the limit of " + maxSendMessageSize + " bytes (" + ConfigKeys.MAX_SEND_MESSAGE_SIZE.name()
                + "); read large results with IterateRange").asRuntimeException();
    }
}
