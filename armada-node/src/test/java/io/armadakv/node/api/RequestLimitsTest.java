package io.armadakv.node.api;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import mvcc.v1.Mvcc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The request and response limits and the Txn and table-name rules, without a node. */
class RequestLimitsTest {

    private static final RequestLimits LIMITS = new RequestLimits(8, 16, 3, 4 * 1024 * 1024);

    private static void assertRefused(Status.Code code, String message, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.toString());
        assertEquals(message, e.getStatus().getDescription());
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static Mvcc.RequestOp put(String key, ByteString value) {
        return Mvcc.RequestOp.newBuilder().setRequestPut(Mvcc.RequestOp.Put.newBuilder()
                .setKey(bs(key)).setValue(value)).build();
    }

    private static Mvcc.RequestOp range(String key) {
        return Mvcc.RequestOp.newBuilder().setRequestRange(Mvcc.RequestOp.Range.newBuilder().setKey(bs(key))).build();
    }

    private static Mvcc.Compare exists(String key) {
        return Mvcc.Compare.newBuilder().setKey(bs(key)).build();
    }

    @Test
    void keyAndValueSizesNameTheTableTheKeyAndTheLimit() {
        assertDoesNotThrow(() -> LIMITS.checkKey("t", "key", bs("12345678")));
        assertRefused(Status.Code.FAILED_PRECONDITION, "key length exceeded max allowed value: key \"123456789\" "
                + "of 9 bytes in table t exceeds the limit of 8 bytes (api.max-key-size)",
                () -> LIMITS.checkKey("t", "key", bs("123456789")));
        assertDoesNotThrow(() -> LIMITS.checkValue("t", bs("k"), ByteString.copyFrom(new byte[16])));
        assertRefused(Status.Code.FAILED_PRECONDITION, "value length exceeded max allowed value: value of 17 bytes "
                + "for key \"k\" in table t exceeds the limit of 16 bytes (api.max-value-size)",
                () -> LIMITS.checkValue("t", bs("k"), ByteString.copyFrom(new byte[17])));
    }

    @Test
    void txnListsAreCountedOneByOneAsEtcdDoes() {
        // three of each: at the limit, although nine in all
        Mvcc.Txn full = Mvcc.Txn.newBuilder()
                .addCompare(exists("a")).addCompare(exists("b")).addCompare(exists("c"))
                .addSuccess(range("a")).addSuccess(range("b")).addSuccess(range("c"))
                .addFailure(range("a")).addFailure(range("b")).addFailure(range("c")).build();
        assertDoesNotThrow(() -> TxnValidator.validate("t", full, LIMITS));
        assertRefused(Status.Code.INVALID_ARGUMENT, "too many operations in txn request: 4 compares in table t "
                + "exceed the limit of 3 (api.max-txn-ops)",
                () -> TxnValidator.validate("t", full.toBuilder().addCompare(exists("d")).build(), LIMITS));
        assertRefused(Status.Code.INVALID_ARGUMENT, "too many operations in txn request: 4 success ops in table t "
                + "exceed the limit of 3 (api.max-txn-ops)",
                () -> TxnValidator.validate("t", full.toBuilder().addSuccess(range("d")).build(), LIMITS));
        assertRefused(Status.Code.INVALID_ARGUMENT, "too many operations in txn request: 4 failure ops in table t "
                + "exceed the limit of 3 (api.max-txn-ops)",
                () -> TxnValidator.validate("t", full.toBuilder().addFailure(range("d")).build(), LIMITS));
    }

    @Test
    void keysAndValuesInsideTxnOpsAreCheckedLikeTopLevelOnes() {
        Mvcc.Txn bigValue = Mvcc.Txn.newBuilder().addFailure(put("k", ByteString.copyFrom(new byte[17]))).build();
        assertRefused(Status.Code.FAILED_PRECONDITION, "value length exceeded max allowed value: value of 17 bytes "
                + "for key \"k\" in table t exceeds the limit of 16 bytes (api.max-value-size)",
                () -> TxnValidator.validate("t", bigValue, LIMITS));
        Mvcc.Txn bigCompare = Mvcc.Txn.newBuilder().addCompare(exists("123456789")).build();
        assertRefused(Status.Code.FAILED_PRECONDITION, "key length exceeded max allowed value: compare key "
                + "\"123456789\" of 9 bytes in table t exceeds the limit of 8 bytes (api.max-key-size)",
                () -> TxnValidator.validate("t", bigCompare, LIMITS));
        Mvcc.Txn bigDelete = Mvcc.Txn.newBuilder().addSuccess(Mvcc.RequestOp.newBuilder().setRequestDeleteRange(
                Mvcc.RequestOp.DeleteRange.newBuilder().setKey(bs("a")).setRangeEnd(bs("123456789")))).build();
        assertRefused(Status.Code.FAILED_PRECONDITION, "key length exceeded max allowed value: range_end "
                + "\"123456789\" of 9 bytes in table t exceeds the limit of 8 bytes (api.max-key-size)",
                () -> TxnValidator.validate("t", bigDelete, LIMITS));
    }

    @Test
    void responsesOverTheSendLimitAreRefusedWithResourceExhausted() {
        assertDoesNotThrow(() -> LIMITS.checkResponse("t", "the result of the Txn", 4 * 1024 * 1024));
        assertRefused(Status.Code.RESOURCE_EXHAUSTED, "response too large: the result of the Txn is 4194305 bytes "
                + "in table t, over the limit of 4194304 bytes (api.max-send-message-size); read large results "
                + "with IterateRange",
                () -> LIMITS.checkResponse("t", "the result of the Txn", 4 * 1024 * 1024 + 1));
        // the hot path's form builds its description only for a refusal, and the same one
        assertDoesNotThrow(() -> LIMITS.checkResponse("t", () -> {
            throw new AssertionError("described a response within the limit");
        }, 4 * 1024 * 1024));
        assertRefused(Status.Code.RESOURCE_EXHAUSTED, "response too large: the result of the Txn is 4194305 bytes "
                + "in table t, over the limit of 4194304 bytes (api.max-send-message-size); read large results "
                + "with IterateRange",
                () -> LIMITS.checkResponse("t", () -> "the result of the Txn", 4 * 1024 * 1024 + 1));
    }

    @Test
    void tableNamesKeepWhatTheSeedAcceptsExceptWhatIsDangerous() {
        for (String ok : new String[] {"t", "app/config", "a b", "ünïcødé", "-", "...", "a".repeat(255), "é".repeat(127)}) {
            assertEquals(ok, TablesService.validName(ok));
        }
        assertRefused(Status.Code.INVALID_ARGUMENT, "name must be set", () -> TablesService.validName(""));
        assertRefused(Status.Code.INVALID_ARGUMENT, "table name \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"...(256 bytes) "
                + "of 256 bytes exceeds the limit of 255 bytes", () -> TablesService.validName("a".repeat(256)));
        assertRefused(Status.Code.INVALID_ARGUMENT, "table name \"..\" is not allowed", () -> TablesService.validName(".."));
        assertRefused(Status.Code.INVALID_ARGUMENT, "table name \".\" is not allowed", () -> TablesService.validName("."));
        StatusRuntimeException nul = assertThrows(StatusRuntimeException.class, () -> TablesService.validName("a\0b"));
        assertEquals(Status.Code.INVALID_ARGUMENT, nul.getStatus().getCode());
        assertEquals(true, nul.getStatus().getDescription().endsWith(
                "must not contain control characters or line separators (U+0000 at character 1)"), nul.toString());
        for (String bad : new String[] {"a\nb", "a\rb", "\u007f", "a\u2028b", "\u0085"}) {
            assertThrows(StatusRuntimeException.class, () -> TablesService.validName(bad), bad);
        }
    }
}
