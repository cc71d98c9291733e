package io.armadakv.bench;

import com.google.protobuf.ByteString;
import io.armadakv.bench.driver.Callback;
import io.armadakv.bench.driver.KvDriver;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/** Writes a key space before a read workload measures it, a bounded number of puts at a time. */
final class Preload {

    private static final int IN_FLIGHT = 64;

    private Preload() {
    }

    static void put(KvDriver driver, int count, IntFunction<ByteString> key, IntFunction<ByteString> value)
            throws InterruptedException {
        Semaphore slots = new Semaphore(IN_FLIGHT);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < count && failure.get() == null; i++) {
            slots.acquire();
            driver.put(i, key.apply(i), value.apply(i), new Callback<>() {
                @Override
                public void done(Void result) {
                    slots.release();
                }

                @Override
                public void failed(Throwable error) {
                    failure.compareAndSet(null, error);
                    slots.release();
                }
            });
        }
        slots.acquire(IN_FLIGHT);
        if (failure.get() != null) {
            throw new IllegalStateException("preloading " + count + " keys into " + driver.system() + " failed: "
                    + failure.get(), failure.get());
        }
    }
}
