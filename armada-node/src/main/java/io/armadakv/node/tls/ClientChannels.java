package io.armadakv.node.tls;

import io.armadakv.node.config.Endpoint;
import io.armadakv.node.config.TlsFiles;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;

import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * gRPC client channels to an Armada API URL: plaintext for {@code http://}, TLS for
 * {@code https://} trusting the CA file (or the JDK's CAs without one) and checking the server's
 * name, presenting a client certificate when the files name one. The files are watched like a
 * server's, so a renewed client certificate is used from the next connection on.
 */
public final class ClientChannels {

    private ClientChannels() {
    }

    /**
     * Opens a channel; {@code options} sets message sizes, keep-alive and the like.
     *
     * @param what names the certificates in log lines and errors, such as "replication.leader-api-address"
     */
    public static ManagedChannel open(String what, Endpoint address, TlsFiles files,
                                      UnaryOperator<NettyChannelBuilder> options) throws TlsFileException {
        if (!address.tls()) {
            return options.apply(NettyChannelBuilder.forAddress(address.host(), address.port(),
                    InsecureChannelCredentials.create())).build();
        }
        ReloadingTls tls = ReloadingTls.open(what + " client certificates", files,
                Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION);
        TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder().trustManager(tls.trustManager());
        if (tls.keyManager() != null) {
            credentials.keyManager(tls.keyManager());
        }
        ChannelCredentials built = credentials.build();
        ManagedChannel channel = options.apply(NettyChannelBuilder.forAddress(address.host(), address.port(), built))
                .build();
        return new WatchedChannel(channel, tls);
    }

    /** A channel that stops watching its certificate files when it shuts down. */
    private static final class WatchedChannel extends ManagedChannel {

        private final ManagedChannel channel;
        private final ReloadingTls tls;

        WatchedChannel(ManagedChannel channel, ReloadingTls tls) {
            this.channel = channel;
            this.tls = tls;
        }

        @Override
        public ManagedChannel shutdown() {
            tls.close();
            channel.shutdown();
            return this;
        }

        @Override
        public ManagedChannel shutdownNow() {
            tls.close();
            channel.shutdownNow();
            return this;
        }

        @Override
        public boolean isShutdown() {
            return channel.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return channel.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return channel.awaitTermination(timeout, unit);
        }

        @Override
        public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
            return channel.newCall(method, options);
        }

        @Override
        public String authority() {
            return channel.authority();
        }
    }
}
