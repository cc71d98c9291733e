package io.armadakv.node.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.armadakv.node.metrics.MetricNames.GRPC_REQUESTS;
import static io.armadakv.node.metrics.MetricNames.GRPC_REQUEST_DURATION;

/**
 * Counts and times every call of the API port by full gRPC method name and status code. It is
 * installed per service, so only methods the node serves become label values.
 */
public final class RequestMetricsInterceptor implements ServerInterceptor {

    private record Meters(Counter requests, Timer duration) {
    }

    private final MetricRegistry registry;
    private final Map<String, Meters> meters = new ConcurrentHashMap<>();

    RequestMetricsInterceptor(MetricRegistry registry) {
        this.registry = registry;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        long started = System.nanoTime();
        String method = call.getMethodDescriptor().getFullMethodName();
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                record(method, status.getCode(), System.nanoTime() - started);
                super.close(status, trailers);
            }
        }, headers);
    }

    private void record(String method, Status.Code code, long nanos) {
        Meters m = meters.computeIfAbsent(method + ' ' + code, k -> {
            Tag[] tags = {new Tag("method", method), new Tag("code", code.name())};
            return new Meters(
                    registry.counter(org.eclipse.microprofile.metrics.Metadata.builder().withName(GRPC_REQUESTS)
                            .withDescription("API calls by gRPC method and status code").build(), tags),
                    registry.timer(org.eclipse.microprofile.metrics.Metadata.builder().withName(GRPC_REQUEST_DURATION)
                            .withDescription("API call latency by gRPC method and status code")
                            .withUnit(MetricUnits.SECONDS).build(), tags));
        });
        m.requests().inc();
        m.duration().update(Duration.ofNanos(nanos));
    }
}
