package io.stoq.fragmint.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.quic.BoringSSLContextOption;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.stoq.fragmint.auth.AccessControl;
import io.stoq.fragmint.auth.Sessions;
import io.stoq.fragmint.openapi.OpenApiDocument;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.NodePorts;
import io.stoq.fragmint.route.Api;
import io.stoq.fragmint.route.RouteTable;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FragMint API server: one TCP port (HTTP/1.1, h2c) and one UDP port (HTTP/3), both serving
 * the route table from {@link Api#routes}. stoq-node builds one with its {@link NodePorts}, calls
 * {@link #start()}, and {@link #close()}s it on shutdown (in-flight requests get a grace period).
 *
 * <p>HTTP/3 offers the hybrid post-quantum key exchange X25519MLKEM768 first (BoringSSL groups),
 * falling back to X25519 for clients without it.
 *
 * <p>Thread-safety: {@code start} and {@code close} are synchronized; everything else is
 * read-only after start.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    /** TLS key-exchange groups offered on HTTP/3, most preferred first. */
    public static final String[] QUIC_GROUPS = {"X25519MLKEM768", "X25519", "P-256"};

    private final ApiServerConfig config;
    private final NodePorts ports;
    private final TlsIdentity tls;
    private final Clock clock;
    private final ApiMetrics metrics = new ApiMetrics();
    private final RouteTable routes;
    private final byte[] openApi;
    private final AccessControl access;
    private volatile ServerState state = ServerState.NEW; // written under this, read anywhere
    private EventLoopGroup group;
    private Dispatcher dispatcher;
    private ThreadPoolExecutor workers;
    private Channel tcp;
    private Channel udp;
    private volatile int http3Port = -1;
    private volatile TlsIdentity devTls;

    /**
     * @param tls HTTP/3 identity; null makes a self-signed one for localhost (development)
     */
    public ApiServer(ApiServerConfig config, NodePorts ports, TlsIdentity tls, Clock clock) {
        this.config = config;
        this.ports = ports;
        this.tls = tls;
        this.clock = clock;
        this.access = new AccessControl(ports.accounts(), ports.audit(),
                new Sessions(config.sessionLifetime(), clock), config.auth(), clock);
        byte[][] doc = new byte[1][];
        this.routes = Api.routes(ports, access, clock, () -> doc[0], metrics::scrape);
        this.openApi = OpenApiDocument.render(routes, config);
        doc[0] = openApi;
    }

    public synchronized void start() throws ApiException {
        move(ServerState.STARTING);
        try {
            group = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("fragmint-io", true),
                    NioIoHandler.newFactory());
            workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 60,
                    TimeUnit.SECONDS, new ArrayBlockingQueue<>(config.workerThreads() * 16),
                    new DefaultThreadFactory("fragmint-worker", true));
            workers.allowCoreThreadTimeOut(true);
            EventsSocket events = new EventsSocket(ports.events());
            ResponseWriter writer = new ResponseWriter(metrics, () -> http3Port, events);
            dispatcher = new Dispatcher(routes, access, ports.audit(), metrics, workers,
                    config, clock, writer);
            if (config.http3Port() >= 0) {
                udp = bindHttp3(dispatcher);
                http3Port = ((InetSocketAddress) udp.localAddress()).getPort();
            }
            tcp = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 256)
                    .childOption(ChannelOption.AUTO_READ, true)
                    .childHandler(Pipelines.tcp(dispatcher, config))
                    .bind(config.host(), config.port()).sync().channel();
            move(ServerState.RUNNING);
            LOG.info("FragMint API on {} (HTTP/3 on udp {})", baseUri(), http3Port);
        } catch (Exception e) {
            move(ServerState.FAILED);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ApiException(ApiError.UNAVAILABLE, "cannot start the API on " + config.host() + ":"
                    + config.port() + ": " + e.getMessage(), e);
        }
    }

    private Channel bindHttp3(Dispatcher dispatcher) throws Exception {
        TlsIdentity id = tls != null ? tls
                : TlsIdentity.selfSigned(java.util.List.of("localhost"), java.util.List.of("127.0.0.1"),
                        java.time.Duration.ofDays(30));
        this.devTls = id;
        QuicSslContext ssl = QuicSslContextBuilder.forServer(id.key(), null,
                        id.chain().toArray(new X509Certificate[0]))
                .applicationProtocols(Http3.supportedApplicationProtocols())
                .option(BoringSSLContextOption.GROUPS, QUIC_GROUPS)
                .build();
        io.netty.channel.ChannelHandler codec = Http3.newQuicServerCodecBuilder()
                .sslContext(ssl)
                .maxIdleTimeout(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .initialMaxData(64L << 20)
                .initialMaxStreamDataBidirectionalLocal(4L << 20)
                .initialMaxStreamDataBidirectionalRemote(4L << 20)
                .initialMaxStreamsBidirectional(256)
                .tokenHandler(InsecureQuicTokenHandler.INSTANCE)
                .handler(Pipelines.quicConnection(dispatcher, config))
                .build();
        return new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(codec)
                .bind(config.host(), Math.max(0, config.http3Port())).sync().channel();
    }

    /** The TCP port bound (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) tcp.localAddress()).getPort();
    }

    /** The UDP port of HTTP/3, or -1 when disabled. */
    public int http3Port() {
        return http3Port;
    }

    /** {@code http://host:port}, printed by {@code stoq dev}. */
    public URI baseUri() {
        return URI.create("http://" + config.host() + ":" + port());
    }

    /** The certificate HTTP/3 presents (clients of a dev server trust this one). */
    public X509Certificate http3Certificate() {
        return devTls == null ? null : devTls.chain().get(0);
    }

    public RouteTable routes() {
        return routes;
    }

    /** The OpenAPI document served at {@code /v1/openapi.json}. */
    public byte[] openApiDocument() {
        return openApi.clone();
    }

    /** Current lifecycle state; never blocks (readable while {@link #close} drains). */
    public ServerState state() {
        return state;
    }

    /** How long {@link #close} lets in-flight requests finish. */
    public static final java.time.Duration DRAIN = java.time.Duration.ofSeconds(10);

    /**
     * Stops accepting connections, lets in-flight requests finish (their responses fully
     * written) for up to {@link #DRAIN}, then closes every connection and releases all threads.
     */
    @Override
    public synchronized void close() {
        if (state == ServerState.STOPPED) {
            return;
        }
        if (state == ServerState.NEW) {
            move(ServerState.STOPPED);
            return;
        }
        move(ServerState.STOPPING);
        if (tcp != null) {
            tcp.close().syncUninterruptibly();
        }
        if (udp != null) {
            udp.close().syncUninterruptibly();
        }
        long deadline = System.nanoTime() + DRAIN.toNanos();
        try {
            while (dispatcher != null && dispatcher.inFlight() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (workers != null) {
                workers.shutdown();
                long left = Math.max(0, deadline - System.nanoTime());
                if (!workers.awaitTermination(left, TimeUnit.NANOSECONDS)) {
                    workers.shutdownNow();
                }
            }
        } catch (InterruptedException e) {
            if (workers != null) {
                workers.shutdownNow();
            }
            Thread.currentThread().interrupt();
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        move(ServerState.STOPPED);
    }

    private void move(ServerState next) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("API server cannot go from " + state + " to " + next);
        }
        state = next;
    }
}
