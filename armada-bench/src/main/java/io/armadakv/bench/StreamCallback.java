package io.armadakv.bench;

import io.grpc.stub.StreamObserver;

import java.util.function.Consumer;

/** A unary response observer that reports success or failure once. */
final class StreamCallback<T> implements StreamObserver<T> {

    private final Runnable onSuccess;
    private final Consumer<Throwable> onError;

    StreamCallback(Runnable onSuccess, Consumer<Throwable> onError) {
        this.onSuccess = onSuccess;
        this.onError = onError;
    }

    @Override
    public void onNext(T value) {
    }

    @Override
    public void onError(Throwable t) {
        onError.accept(t);
    }

    @Override
    public void onCompleted() {
        onSuccess.run();
    }
}
