package io.stoq.fragmint.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.stoq.fragmint.auth.AccessControl;
import io.stoq.fragmint.auth.Sessions;
import io.stoq.fragmint.openapi.OpenApiDocument;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.NodePorts;
import io.stoq.fragmint.route.Api;
import io.stoq.fragmint.route.RouteTable;
import io.stoq.quic.QuicTransport;
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
 * The FragMint API server: one TCP port (HTTPS with HTTP/1.1 and HTTP/2 by ALPN, or plain
 * HTTP/1.1 and h2c when TLS is off) and one UDP port (HTTP/3), both serving the route table from
 * {@link Api#routes}. stoq-node builds one with its {@link NodePorts} and config, calls
 * {@link #start()}, and {@link #close()}s it on shutdown (in-flight requests get a grace period).
 *
 * <p>One certificate ({@link ApiServerConfig.Tls}) serves HTTPS and HTTP/3; HTTP/3 offers the
 * hybrid post-quantum key exchange X25519MLKEM768 first (BoringSSL groups), falling back to
 * X25519 for clients without it. The server never makes a certificate of its own: HTTP/3 without
 * one is refused at start, so every client can pin what it is shown.
 *
 * <p>Resources a client can make the server spend are bounded by {@link ApiServerConfig.Limits}
 * and {@link ApiServerConfig.Timeouts}: connections (total, per address), streams per
 * connection, header and body sizes, the time to send a request head, the rate of a request
 * body, and how long a response may wait for a client that does not read. Downloads never hold a
 * worker while the client is slow, uploads run on their own pool, JSON bodies are in before a
 * worker is taken.
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
    private final Clock clock;
    private final ApiMetrics metrics = new ApiMetrics();
    private final RouteTable routes;
    private final byte[] openApi;
    private final AccessControl access;
    private final ConnectionLimiter limiter;
    private volatile ServerState state = ServerState.NEW; // written under this, read anywhere
    private EventLoopGroup group;
    private EventLoopGroup quicGroup;
    private QuicTransport quicTransport;
    private Dispatcher dispatcher;
    private ThreadPoolExecutor workers;
    private ThreadPoolExecutor uploads;
    private Channel tcp;
    private Channel udp;
    private volatile int http3Port = -1;

    public ApiServer(ApiServerConfig config, NodePorts ports, Clock clock) {
        this.config = config;
        this.ports = ports;
        this.clock = clock;
        this.access = new AccessControl(ports.accounts(), ports.audit(),
                new Sessions(config.sessionLifetime(), clock), config.auth(), clock);
        byte[][] doc = new byte[1][];
        this.routes = Api.routes(ports, access, clock, () -> doc[0], metrics::scrape);
        this.openApi = OpenApiDocument.render(routes, config);
        doc[0] = openApi;
        metrics.operations(routes.routes().stream().map(io.stoq.fragmint.route.Route::operationId).toList());
        this.limiter = new ConnectionLimiter(config.limits().maxConnections(),
                config.limits().maxConnectionsPerAddress(), metrics);
        metrics.connections(limiter::open);
    }

    /**
     * Appends {@code source}'s Prometheus text (metric families the node renders itself, such as
     * per-peer health) to every {@code /metrics} scrape. The source bounds its own series.
     */
    public void addMetrics(java.util.function.Supplier<String> source) {
        metrics.addSource(source);
    }

    public synchronized void start() throws ApiException {
        move(ServerState.STARTING);
        ApiServerConfig.Listen listen = config.listen();
        try {
            if (config.http3() && config.tls().certificate() == null) {
                throw new IllegalArgumentException("HTTP/3 needs a TLS certificate (ApiServerConfig.Tls)");
            }
            group = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("fragmint-io", true),
                    NioIoHandler.newFactory());
            workers = pool("fragmint-worker", config.workers().threads(), 16);
            uploads = pool("fragmint-upload", config.workers().uploadThreads(), 4);
            EventsSocket events = new EventsSocket(ports.events(), access, workers);
            ResponseWriter writer = new ResponseWriter(metrics, () -> http3Port, events, workers,
                    config.timeouts().writeStall());
            dispatcher = new Dispatcher(routes, access, ports.audit(), metrics, workers, uploads,
                    config, clock, writer);
            if (config.http3()) {
                udp = bindHttp3(dispatcher);
                http3Port = ((InetSocketAddress) udp.localAddress()).getPort();
            }
            SslContext tls = config.tls().tcp() ? TlsContexts.tcp(config.tls().certificate()) : null;
            tcp = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 256)
                    .childOption(ChannelOption.AUTO_READ, true)
                    .childHandler(Pipelines.tcp(dispatcher, config, limiter, metrics, tls))
                    .bind(listen.host(), listen.port()).sync().channel();
            move(ServerState.RUNNING);
            LOG.info("FragMint API on {} (HTTP/3 on udp {}{})", baseUri(), http3Port,
                    quicTransport == null ? "" : ", " + quicTransport.describe());
        } catch (Exception e) {
            move(ServerState.FAILED);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ApiException(ApiError.UNAVAILABLE, "cannot start the API on " + listen.host() + ":"
                    + listen.port() + ": " + e.getMessage(), e);
        }
    }

    private static ThreadPoolExecutor pool(String name, int threads, int queuePerThread) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(threads * queuePerThread), new DefaultThreadFactory(name, true));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * Binds HTTP/3's UDP socket on its own event loop (one thread: a UDP socket is served by one
     * loop, and every QUIC connection on it with it), with the native transport where it runs
     * ({@link QuicTransport}).
     */
    private Channel bindHttp3(Dispatcher dispatcher) throws Exception {
        ApiServerConfig.Quic q = config.quic();
        InetSocketAddress local = new InetSocketAddress(config.listen().host(), Math.max(0, config.listen().http3Port()));
        if (local.isUnresolved()) {
            throw new IllegalArgumentException("host " + config.listen().host() + " does not resolve to an address");
        }
        quicTransport = QuicTransport.choose(q.nativeTransport(), q.maxUdpPayloadFor(local.getAddress()));
        quicGroup = quicTransport.newGroup(1, "fragmint-quic");
        io.netty.handler.codec.quic.QuicServerCodecBuilder builder = quicTransport.packetSizes(Http3.newQuicServerCodecBuilder())
                .sslContext(TlsContexts.quic(config.tls().certificate(), QUIC_GROUPS))
                .maxIdleTimeout(config.timeouts().idle().toMillis(), TimeUnit.MILLISECONDS)
                .initialMaxData(q.maxData().bytes())
                .initialMaxStreamDataBidirectionalLocal(q.maxStreamData().bytes())
                .initialMaxStreamDataBidirectionalRemote(q.maxStreamData().bytes())
                .initialMaxStreamsBidirectional(config.limits().maxStreamsPerConnection())
                .congestionControlAlgorithm(QuicCongestionControlAlgorithm.valueOf(q.congestionControl().name()))
                .tokenHandler(new QuicTokens())
                .handler(Pipelines.quicConnection(dispatcher, config, limiter, metrics));
        return quicTransport.bind(quicGroup, quicTransport.segmentedSends(builder).build(), local);
    }

    /** The UDP transport HTTP/3 runs on ({@link QuicTransport#describe()}), or null when HTTP/3 is off. */
    public String http3Transport() {
        QuicTransport t = quicTransport;
        return t == null ? null : t.describe();
    }

    /** The TCP port bound (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) tcp.localAddress()).getPort();
    }

    /** The UDP port of HTTP/3, or -1 when disabled. */
    public int http3Port() {
        return http3Port;
    }

    /** {@code https://host:port} with TLS on TCP, else {@code http://host:port}; printed by {@code stoq dev}. */
    public URI baseUri() {
        String host = config.listen().host();
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return URI.create((config.tls().tcp() ? "https://" : "http://") + host + ":" + port());
    }

    /** The leaf certificate HTTPS and HTTP/3 present, or null without TLS. */
    public X509Certificate certificate() {
        TlsIdentity id = config.tls().certificate();
        return id == null ? null : id.chain().get(0);
    }

    /** The settings this server runs with. */
    public ApiServerConfig config() {
        return config;
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
            for (ThreadPoolExecutor pool : new ThreadPoolExecutor[] {uploads, workers}) {
                if (pool != null) {
                    pool.shutdown();
                    long left = Math.max(0, deadline - System.nanoTime());
                    if (!pool.awaitTermination(left, TimeUnit.NANOSECONDS)) {
                        pool.shutdownNow();
                    }
                }
            }
        } catch (InterruptedException e) {
            for (ThreadPoolExecutor pool : new ThreadPoolExecutor[] {uploads, workers}) {
                if (pool != null) {
                    pool.shutdownNow();
                }
            }
            Thread.currentThread().interrupt();
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (quicGroup != null) {
            quicGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
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
