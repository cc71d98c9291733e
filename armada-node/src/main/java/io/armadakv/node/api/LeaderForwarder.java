package io.armadakv.node.api;

import armada.v1.KVGrpc;
import armada.v1.ResponseHeader;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.armadakv.node.config.ConfigKeys;
import io.armadakv.node.config.Endpoint;
import io.armadakv.node.config.TlsFiles;
import io.armadakv.node.table.Table;
import io.armadakv.node.table.TableManager;
import io.armadakv.node.tls.ClientChannels;
import io.armadakv.node.tls.TlsFileException;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A follower node's client writes: sent unchanged to the leader cluster's API, and answered
 * with the leader's response only once this node has applied the revision the leader gave the
 * write, so a client reads its own write from the follower as soon as the call returns
 * (API.md F-2 to F-4).
 */
public final class LeaderForwarder implements AutoCloseable {

    private final List<ManagedChannel> channels;
    private final AtomicInteger current = new AtomicInteger();
    private final TableManager tables;
    private final long defaultTimeoutMs;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "armada-forward-wait");
        t.setDaemon(true);
        return t;
    });

    /** @param tls CA and client certificate for https:// leader addresses */
    public LeaderForwarder(List<Endpoint> leaderApi, TlsFiles tls, TableManager tables, long defaultTimeoutMs,
                           int maxMessageSize) throws TlsFileException {
        List<ManagedChannel> opened = new ArrayList<>();
        try {
            for (Endpoint e : leaderApi) {
                opened.add(ClientChannels.open(ConfigKeys.REPLICATION_LEADER_API_ADDRESS.name(), e, tls, b -> b
                        .maxInboundMessageSize(maxMessageSize)
                        .keepAliveTime(60, TimeUnit.SECONDS).keepAliveTimeout(10, TimeUnit.SECONDS)));
            }
        } catch (TlsFileException e) {
            opened.forEach(ManagedChannel::shutdownNow);
            throw e;
        }
        this.channels = List.copyOf(opened);
        this.tables = tables;
        this.defaultTimeoutMs = defaultTimeoutMs;
    }

    /**
     * Forwards one write. {@code call} issues it on a stub; {@code header} reads the revision
     * out of the leader's answer.
     */
    <Q, R> void forward(String table, Q request, BiFunction<KVGrpc.KVFutureStub, Q, ListenableFuture<R>> call,
                        Function<R, ResponseHeader> header, StreamObserver<R> observer) {
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(remainingMillis());
        attempt(table, request, call, header, observer, deadlineNanos, 0);
    }

    private <Q, R> void attempt(String table, Q request, BiFunction<KVGrpc.KVFutureStub, Q, ListenableFuture<R>> call,
                                Function<R, ResponseHeader> header, StreamObserver<R> observer, long deadlineNanos,
                                int tried) {
        int index = Math.floorMod(current.get(), channels.size());
        KVGrpc.KVFutureStub stub = KVGrpc.newFutureStub(channels.get(index))
                .withDeadlineAfter(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        Futures.addCallback(call.apply(stub, request), new FutureCallback<>() {
            @Override
            public void onSuccess(R response) {
                awaitApplied(table, header.apply(response).getRevision(), deadlineNanos).whenComplete((ok, error) -> {
                    if (error != null) {
                        observer.onError(ApiErrors.toStatus(error));
                    } else {
                        observer.onNext(response);
                        observer.onCompleted();
                    }
                });
            }

            @Override
            public void onFailure(Throwable t) {
                Status status = Status.fromThrowable(t);
                // an unreachable leader node: the next address, before the write could have reached it
                if (status.getCode() == Status.Code.UNAVAILABLE && tried + 1 < channels.size()) {
                    current.compareAndSet(index, index + 1);
                    attempt(table, request, call, header, observer, deadlineNanos, tried + 1);
                    return;
                }
                observer.onError(leaderError(t));
            }
        }, MoreExecutors.directExecutor());
    }

    /** API.md F-4: the leader's code, its message wrapped as grpc-go prints it. */
    static StatusRuntimeException leaderError(Throwable t) {
        if (!(t instanceof StatusRuntimeException) && !(t instanceof io.grpc.StatusException)) {
            return Status.FAILED_PRECONDITION.withDescription("forward error").asRuntimeException();
        }
        Status s = Status.fromThrowable(t);
        return s.getCode().toStatus().withDescription("leader error: rpc error: code = " + goName(s.getCode())
                + " desc = " + (s.getDescription() == null ? "" : s.getDescription())).asRuntimeException();
    }

    /** grpc-go's names of the codes (Canceled with one l, as Go spells it). */
    static String goName(Status.Code code) {
        if (code == Status.Code.CANCELLED) {
            return "Canceled";
        }
        StringBuilder b = new StringBuilder();
        for (String part : code.name().split("_")) {
            b.append(part.charAt(0)).append(part.substring(1).toLowerCase());
        }
        return b.toString();
    }

    /** Completes when this node's copy of the table has reached the revision, or fails at the deadline. */
    private CompletableFuture<Void> awaitApplied(String name, long revision, long deadlineNanos) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        waitForTable(name, revision, deadlineNanos, done);
        return done;
    }

    private void waitForTable(String name, long revision, long deadlineNanos, CompletableFuture<Void> done) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            done.completeExceptionally(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded").asRuntimeException());
            return;
        }
        Table table = tables.find(name).orElse(null);
        if (table == null) {
            // the replicator has not created the local copy yet
            timer.schedule(() -> waitForTable(name, revision, deadlineNanos, done), 20, TimeUnit.MILLISECONDS);
            return;
        }
        CompletableFuture<Void> reached = Timeouts.within(table.awaitRevision(revision),
                Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        reached.whenComplete((ok, error) -> {
            if (error != null) {
                reached.cancel(false);
                done.completeExceptionally(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded").asRuntimeException());
            } else {
                done.complete(null);
            }
        });
    }

    private long remainingMillis() {
        Deadline deadline = Context.current().getDeadline();
        return deadline == null ? defaultTimeoutMs : Math.max(1, deadline.timeRemaining(TimeUnit.MILLISECONDS));
    }

    @Override
    public void close() {
        timer.shutdownNow();
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
