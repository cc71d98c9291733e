package io.armadakv.node.raft;

import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCallStreamObserver;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Streams a group's store snapshot from one node to another over the Raft port, beside Ratis'
 * own services: a follower that lags past the leader's purged log (or lost its data) fetches a
 * consistent copy of the leader's store instead of replaying history (ARCHITECTURE.md decision 1).
 */
public final class SnapshotTransfer {

    /** Writes a consistent snapshot of the group's state to the stream. */
    public interface Exporter {
        void export(RaftGroupId group, OutputStream out) throws IOException;
    }

    private static final int CHUNK = 1 << 20;

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> FETCH = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
            .setFullMethodName("armada.internal.v1.GroupSnapshots/Fetch")
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    private SnapshotTransfer() {
    }

    /** The service a node offers on its Raft port. */
    static ServerServiceDefinition service(Exporter exporter, Path tempDir) {
        ExecutorService workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "armada-snapshot-send");
            t.setDaemon(true);
            return t;
        });
        return ServerServiceDefinition.builder("armada.internal.v1.GroupSnapshots")
                .addMethod(FETCH, ServerCalls.asyncServerStreamingCall(
                        (request, observer) -> serve(exporter, tempDir, workers, request, observer)))
                .build();
    }

    private static void serve(Exporter exporter, Path tempDir, ExecutorService workers, byte[] request,
                              StreamObserver<byte[]> responses) {
        ServerCallStreamObserver<byte[]> observer = (ServerCallStreamObserver<byte[]>) responses;
        Object ready = new Object();
        observer.setOnReadyHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
        observer.setOnCancelHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
        workers.execute(() -> {
            Path file = null;
            try {
                RaftGroupId group = RaftGroupId.valueOf(toUuid(request));
                Files.createDirectories(tempDir);
                file = Files.createTempFile(tempDir, "snapshot-", ".send");
                // export first: the copy is consistent however slowly the receiver reads it
                try (OutputStream out = Files.newOutputStream(file)) {
                    exporter.export(group, out);
                }
                try (InputStream in = Files.newInputStream(file)) {
                    byte[] buffer = new byte[CHUNK];
                    int n;
                    while ((n = in.readNBytes(buffer, 0, CHUNK)) > 0) {
                        synchronized (ready) {
                            while (!observer.isReady() && !observer.isCancelled()) {
                                ready.wait(100);
                            }
                        }
                        if (observer.isCancelled()) {
                            return;
                        }
                        observer.onNext(n == CHUNK ? buffer.clone() : java.util.Arrays.copyOf(buffer, n));
                    }
                }
                observer.onCompleted();
            } catch (Exception e) {
                if (!observer.isCancelled()) {
                    observer.onError(Status.UNAVAILABLE.withDescription("snapshot export failed: " + e.getMessage())
                            .asRuntimeException());
                }
            } finally {
                if (file != null) {
                    try {
                        Files.deleteIfExists(file);
                    } catch (IOException ignored) {
                        // a temp file left behind is removed at the next start
                    }
                }
            }
        });
    }

    /** Fetches the group's snapshot from the peer at {@code address} into {@code target}. */
    static void fetch(String address, RaftGroupId group, Path target) throws IOException {
        ManagedChannel channel = NettyChannelBuilder.forTarget(address).usePlaintext()
                .maxInboundMessageSize(CHUNK + 1024).build();
        try (OutputStream out = Files.newOutputStream(target)) {
            Iterator<byte[]> chunks = ClientCalls.blockingServerStreamingCall(channel, FETCH,
                    CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.HOURS), fromUuid(group.getUuid()));
            while (chunks.hasNext()) {
                out.write(chunks.next());
            }
        } catch (RuntimeException e) {
            throw new IOException("fetching a snapshot of group " + group + " from " + address + " failed: "
                    + e.getMessage(), e);
        } finally {
            channel.shutdownNow();
        }
    }

    private static byte[] fromUuid(UUID uuid) {
        return ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array();
    }

    private static UUID toUuid(byte[] b) {
        if (b.length != 16) {
            throw new IllegalArgumentException("a group id is 16 bytes, got " + b.length);
        }
        ByteBuffer buf = ByteBuffer.wrap(b);
        return new UUID(buf.getLong(), buf.getLong());
    }
}
