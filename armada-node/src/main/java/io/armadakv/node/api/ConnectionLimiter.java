package io.armadakv.node.api;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Caps the open connections of the API port (api.max-concurrent-connections). grpc-java has no
 * option for it, so this handler sits in the listening channel's pipeline ahead of Netty's
 * acceptor: each accepted connection passes through it before it is registered, and one over the
 * cap is closed there, before any TLS or HTTP/2 work, so it costs the node almost nothing.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ConnectionLimiter.class.getName());

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;

    private ConnectionLimiter(int max, EventLoopGroup boss, EventLoopGroup workers) {
        this.max = max;
        this.boss = boss;
        this.workers = workers;
    }

    /**
     * Installs the limiter. A custom server channel needs its own event loops (grpc-java wants
     * all three or none), which {@link #close()} shuts down after the server.
     */
    static ConnectionLimiter install(NettyServerBuilder builder, int max) {
        ConnectionLimiter limiter;
        Class<? extends ServerChannel> type;
        if (Epoll.isAvailable()) {
            limiter = new ConnectionLimiter(max, new EpollEventLoopGroup(1, new DefaultThreadFactory("api-accept", true)),
                    new EpollEventLoopGroup(0, new DefaultThreadFactory("api-io", true)));
            type = EpollServerSocketChannel.class;
        } else {
            limiter = new ConnectionLimiter(max, new NioEventLoopGroup(1, new DefaultThreadFactory("api-accept", true)),
                    new NioEventLoopGroup(0, new DefaultThreadFactory("api-io", true)));
            type = NioServerSocketChannel.class;
        }
        builder.bossEventLoopGroup(limiter.boss).workerEventLoopGroup(limiter.workers)
                .channelFactory(() -> {
                    ServerChannel channel = type == EpollServerSocketChannel.class
                            ? new EpollServerSocketChannel() : new NioServerSocketChannel();
                    // added before the server bootstrap adds its acceptor, so it runs first
                    channel.pipeline().addLast(limiter);
                    return channel;
                });
        return limiter;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            long n = refused.incrementAndGet();
            // not yet registered with an event loop: close the socket directly, as Netty's acceptor does on failure
            child.unsafe().closeForcibly();
            LOG.log(n == 1 ? Level.WARNING : Level.FINE, () -> "API connection from " + child.remoteAddress()
                    + " refused: " + max + " connections are open (api.max-concurrent-connections); " + n
                    + " refused so far");
            return;
        }
        child.closeFuture().addListener(f -> open.decrementAndGet());
        ctx.fireChannelRead(child);
    }

    int open() {
        return open.get();
    }

    long refused() {
        return refused.get();
    }

    @Override
    public void close() {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
