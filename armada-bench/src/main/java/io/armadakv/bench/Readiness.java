package io.armadakv.bench;

import com.google.protobuf.ByteString;
import io.armadakv.bench.cluster.ServerCluster;
import io.armadakv.bench.driver.Callback;
import io.armadakv.bench.driver.KvDriver;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits until every member of a freshly started cluster takes a write through its own endpoint. */
final class Readiness {

    private static final ByteString KEY = ByteString.copyFromUtf8("bench-ready");

    private Readiness() {
    }

    static void await(ServerCluster cluster, String table, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String endpoint : cluster.endpoints().split(",")) {
            Throwable last = null;
            while (true) {
                try (KvDriver d = KvDriver.open(cluster.system(), endpoint, 1, table)) {
                    d.prepare();
                    put(d);
                    break;
                } catch (RuntimeException | ExecutionException | TimeoutException e) {
                    last = e instanceof ExecutionException ? e.getCause() : e;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(cluster.system() + " at " + endpoint + " did not take a write within "
                            + timeout.toSeconds() + " s: " + last);
                }
                Thread.sleep(200); // poll interval while the member starts
            }
        }
    }

    private static void put(KvDriver d) throws InterruptedException, ExecutionException, TimeoutException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        d.put(0, KEY, ByteString.copyFromUtf8("1"), new Callback<>() {
            @Override
            public void done(Void result) {
                done.complete(null);
            }

            @Override
            public void failed(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        done.get(10, TimeUnit.SECONDS);
    }
}
