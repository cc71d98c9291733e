package io.armadakv.node.api;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffloadingInterceptorTest {

    private static final Context.Key<String> CALLER = Context.key("caller");
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static final MethodDescriptor.Marshaller<String> STRINGS = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes());
        }

        @Override
        public String parse(InputStream stream) {
            return "";
        }
    };

    /** A call that records how it was closed. */
    private static final class RecordingCall extends ServerCall<String, String> {
        final AtomicReference<Status> closed = new AtomicReference<>();
        final CountDownLatch closedLatch = new CountDownLatch(1);

        @Override
        public void request(int numMessages) {
        }

        @Override
        public void sendHeaders(Metadata headers) {
        }

        @Override
        public void sendMessage(String message) {
        }

        @Override
        public void close(Status status, Metadata trailers) {
            closed.set(status);
            closedLatch.countDown();
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }

        @Override
        public MethodDescriptor<String, String> getMethodDescriptor() {
            return MethodDescriptor.<String, String>newBuilder().setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
                    .setFullMethodName("maintenance.v1.Maintenance/Restore")
                    .setRequestMarshaller(STRINGS).setResponseMarshaller(STRINGS).build();
        }
    }

    @Test
    void callbacksRunOffTheCallingThreadInOrderWithTheCallsContext() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        CountDownLatch allSubmitted = new CountDownLatch(1);
        Thread eventLoop = Thread.currentThread();
        ServerCall.Listener<String> listener;
        Context caller = Context.current().withValue(CALLER, "client-1");
        Context previous = caller.attach();
        try {
            listener = new OffloadingInterceptor(pool).interceptCall(new RecordingCall(), new Metadata(),
                    (call, headers) -> new ServerCall.Listener<>() {
                        @Override
                        public void onMessage(String message) {
                            assertNotEquals(eventLoop, Thread.currentThread());
                            seen.add(message + "@" + CALLER.get());
                            if (message.equals("0")) {
                                await(allSubmitted); // a slow first message must not let the others overtake it
                            }
                        }

                        @Override
                        public void onHalfClose() {
                            seen.add("half-close@" + CALLER.get());
                            done.countDown();
                        }
                    });
        } finally {
            caller.detach(previous);
        }
        for (int i = 0; i < 20; i++) {
            listener.onMessage(Integer.toString(i));
        }
        listener.onHalfClose();
        allSubmitted.countDown();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(21, seen.size());
        for (int i = 0; i < 20; i++) {
            assertEquals(i + "@client-1", seen.get(i));
        }
        assertEquals("half-close@client-1", seen.get(20));
    }

    @Test
    void aHandlerThatThrowsClosesItsCallAsUnknown() throws Exception {
        RecordingCall call = new RecordingCall();
        ServerCall.Listener<String> listener = new OffloadingInterceptor(pool).interceptCall(call, new Metadata(),
                (c, headers) -> new ServerCall.Listener<>() {
                    @Override
                    public void onHalfClose() {
                        throw new IllegalStateException("bug");
                    }
                });
        listener.onHalfClose();
        assertTrue(call.closedLatch.await(10, TimeUnit.SECONDS));
        assertEquals(Status.Code.UNKNOWN, call.closed.get().getCode());
        assertEquals("Application error processing RPC", call.closed.get().getDescription());
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
