package io.armadakv.node.api;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Moves a call's listener callbacks off the event loop onto {@code pool}, one at a time and in
 * order, with the call's gRPC context (deadline, cancellation) attached, for services whose
 * handlers block. A handler that throws closes its call as grpc-java itself would.
 */
final class OffloadingInterceptor implements ServerInterceptor {

    private static final Logger LOG = Logger.getLogger(OffloadingInterceptor.class.getName());

    private final Executor pool;

    OffloadingInterceptor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> delegate = next.startCall(call, headers);
        Executor serial = MoreExecutors.newSequentialExecutor(pool);
        Context context = Context.current();
        return new ServerCall.Listener<>() {
            private void run(Runnable callback) {
                serial.execute(context.wrap(() -> {
                    try {
                        callback.run();
                    } catch (RuntimeException | Error e) {
                        LOG.log(Level.WARNING, "call " + call.getMethodDescriptor().getFullMethodName() + " failed", e);
                        call.close(Status.UNKNOWN.withDescription("Application error processing RPC").withCause(e),
                                new Metadata());
                    }
                }));
            }

            @Override
            public void onMessage(Q message) {
                run(() -> delegate.onMessage(message));
            }

            @Override
            public void onHalfClose() {
                run(delegate::onHalfClose);
            }

            @Override
            public void onCancel() {
                run(delegate::onCancel);
            }

            @Override
            public void onComplete() {
                run(delegate::onComplete);
            }

            @Override
            public void onReady() {
                run(delegate::onReady);
            }
        };
    }
}
