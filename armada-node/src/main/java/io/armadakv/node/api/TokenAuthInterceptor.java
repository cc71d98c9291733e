package io.armadakv.node.api;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Bearer tokens per service (API.md A-1): a service with a configured token takes only calls
 * carrying {@code authorization: Bearer <token>}; the others are refused UNAUTHENTICATED with
 * upstream's messages. Tokens are compared in constant time and never logged.
 */
public final class TokenAuthInterceptor implements ServerInterceptor {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /** Service name (e.g. {@code regatta.v1.Tables}) to its token; services without a token are open. */
    private final Map<String, byte[]> tokens;

    public TokenAuthInterceptor(Map<String, String> tokensByService) {
        this.tokens = tokensByService.entrySet().stream().filter(e -> !e.getValue().isEmpty())
                .collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey,
                        e -> e.getValue().getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        byte[] expected = tokens.get(call.getMethodDescriptor().getServiceName());
        if (expected != null) {
            String refusal = refusal(headers.get(AUTHORIZATION), expected);
            if (refusal != null) {
                call.close(Status.UNAUTHENTICATED.withDescription(refusal), new Metadata());
                return new ServerCall.Listener<>() {
                };
            }
        }
        return next.startCall(call, headers);
    }

    /** Why the header does not authorize the call, in upstream's words; null when it does. */
    static String refusal(String authorization, byte[] expected) {
        if (authorization == null) {
            return "Request unauthenticated with bearer";
        }
        int space = authorization.indexOf(' ');
        if (space < 0) {
            return "Bad authorization string";
        }
        if (!authorization.substring(0, space).equalsIgnoreCase("bearer")) {
            return "Request unauthenticated with bearer";
        }
        byte[] given = authorization.substring(space + 1).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, expected) ? null : "Invalid token";
    }
}
