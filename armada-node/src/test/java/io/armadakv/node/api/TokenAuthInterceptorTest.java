package io.armadakv.node.api;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** API.md A-1, message by message. */
class TokenAuthInterceptorTest {

    private static final byte[] TOKEN = "s3cret".getBytes(StandardCharsets.UTF_8);

    @Test
    void upstreamsRefusalsInUpstreamsOrder() {
        assertEquals("Request unauthenticated with bearer", TokenAuthInterceptor.refusal(null, TOKEN));
        assertEquals("Bad authorization string", TokenAuthInterceptor.refusal("Bearers3cret", TOKEN));
        assertEquals("Request unauthenticated with bearer", TokenAuthInterceptor.refusal("Basic s3cret", TOKEN));
        assertEquals("Invalid token", TokenAuthInterceptor.refusal("Bearer s3cre", TOKEN));
        assertEquals("Invalid token", TokenAuthInterceptor.refusal("Bearer s3cret ", TOKEN));
        assertNull(TokenAuthInterceptor.refusal("Bearer s3cret", TOKEN));
        assertNull(TokenAuthInterceptor.refusal("bEaReR s3cret", TOKEN), "the scheme is matched without case");
    }
}
