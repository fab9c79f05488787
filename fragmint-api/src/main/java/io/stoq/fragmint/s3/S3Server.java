package io.stoq.fragmint.s3;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.stoq.fragmint.http.ListenerGuards;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The S3 gateway's listener: HTTP/1.1 (HTTPS with the main API's certificate when configured) on
 * its own port, every request handed to {@link S3Gateway} on a worker thread. A client is bounded
 * exactly as on the REST listener, by the same {@link ListenerGuards}: connections in total and
 * per address, the request-head deadline, the idle timeout (which spares a request in progress),
 * header size, and bodies through the REST routes' body pipe (backpressure, stall timeout,
 * minimum upload rate, size). Responses stream as the connection drains.
 *
 * <pre>
 *   NEW --start()--> RUNNING --close()--> STOPPED
 * </pre>
 *
 * <p>Thread-safety: start and close are synchronized; the rest is read-only after start.
 */
public final class S3Server implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(S3Server.class);

    private final S3Config config;
    private final S3Gateway gateway;
    private final ListenerGuards guards;
    private EventLoopGroup group;
    private ThreadPoolExecutor workers;
    private Channel channel;
    private boolean stopped;

    public S3Server(S3Config config, S3Gateway gateway) {
        this.config = config;
        this.gateway = gateway;
        this.guards = new ListenerGuards(config.limits(), config.timeouts());
    }

    public synchronized void start() throws ApiException {
        if (channel != null || stopped) {
            throw new IllegalStateException("the S3 gateway was started already");
        }
        try {
            SslContext tls = config.tls() == null ? null
                    : SslContextBuilder.forServer(config.tls().key(), config.tls().chain().toArray(new X509Certificate[0]))
                            .sslProvider(SslProvider.JDK).protocols("TLSv1.3", "TLSv1.2")
                            .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                                    ApplicationProtocolNames.HTTP_1_1))
                            .build();
            group = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("s3-io", true), NioIoHandler.newFactory());
            workers = new ThreadPoolExecutor(config.workers(), config.workers(), 60, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(config.workers() * 16), new DefaultThreadFactory("s3-worker", true));
            workers.allowCoreThreadTimeOut(true);
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 256)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            guards.http1(ch, tls);
                            ch.pipeline().addLast(new HttpServerExpectContinueHandler());
                            ch.pipeline().addLast(new S3ChannelHandler(gateway, workers, guards, config));
                        }
                    })
                    .bind(config.host(), config.port()).sync().channel();
            LOG.info("S3 gateway on {}", endpoint());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            close();
            throw new ApiException(ApiError.UNAVAILABLE, "cannot start the S3 gateway on " + config.host() + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The bound TCP port. */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Connections open now (each holds a slot of {@code limits.maxConnections}). */
    public int openConnections() {
        return guards.openConnections();
    }

    /** {@code http://host:port} (or https), what clients use as their endpoint URL. */
    public URI endpoint() {
        String host = config.host().indexOf(':') >= 0 ? "[" + config.host() + "]" : config.host();
        return URI.create((config.tls() != null ? "https://" : "http://") + host + ":" + port());
    }

    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (workers != null) {
            workers.shutdown();
            try {
                if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                    workers.shutdownNow();
                }
            } catch (InterruptedException e) {
                workers.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
