package io.armadakv.bench.driver;

import io.grpc.stub.StreamObserver;

import java.util.function.Function;

/** Adapts a unary gRPC response observer to a {@link Callback}, mapping the response. */
final class Unary<R, T> implements StreamObserver<R> {

    private final Callback<T> callback;
    private final Function<R, T> map;
    private R response;

    Unary(Callback<T> callback, Function<R, T> map) {
        this.callback = callback;
        this.map = map;
    }

    @Override
    public void onNext(R value) {
        response = value;
    }

    @Override
    public void onError(Throwable t) {
        callback.failed(t);
    }

    @Override
    public void onCompleted() {
        T result;
        try {
            result = map.apply(response);
        } catch (RuntimeException e) {
            callback.failed(e);
            return;
        }
        callback.done(result);
    }
}
