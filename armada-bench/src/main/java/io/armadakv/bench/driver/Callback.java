package io.armadakv.bench.driver;

/** Where a driver reports one request's outcome, exactly once. */
public interface Callback<T> {

    void done(T result);

    void failed(Throwable error);
}
