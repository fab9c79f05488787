package io.stoq.net.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.util.concurrent.Future;
import io.stoq.net.AuthenticatedPeer;
import io.stoq.net.LocalIdentity;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PacketFilter;
import io.stoq.net.PeerConfig;
import io.stoq.net.PeerConnection;
import io.stoq.net.PeerMetrics;
import io.stoq.net.RequestHandler;
import io.stoq.net.RevocationSource;
import io.stoq.net.Revocations;
import io.stoq.net.handshake.PeerVerifier;
import io.stoq.net.handshake.Role;
import io.stoq.quic.QuicTransport;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The STOQ peer transport of one node: a QUIC listener (ALPN {@code stoq/1}) for peers that dial
 * in, a QUIC client socket for the peers this node dials, the Falcon handshake on every
 * connection in both directions, and request handlers by message type. {@code ping} is built in.
 *
 * <pre>
 *   StoqTransport t = StoqTransport.builder(config, identity)
 *           .revocations(ledgerRevocations)
 *           .handle(MessageType.GET_SHARD, shardHandler)
 *           .start();
 *   try (Reply r = t.connect(address).call(MessageType.PING, bytes)) { ... }
 * </pre>
 *
 * <pre>
 *   NEW --start()--> RUNNING --close()--> CLOSED
 * </pre>
 *
 * <p>Thread-safe. Threads: two event loops (the listener's and the dialler's connections),
 * the worker pool for handlers, and a small pool for handshake cryptography.
 */
public final class StoqTransport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoqTransport.class);

    private enum State { RUNNING, CLOSED }

    private final TransportContext ctx;
    /** The UDP socket kind (epoll with GSO/GRO, or NIO) and packet sizes of both sockets. */
    private final QuicTransport udp;
    private final EventLoopGroup group;
    private final Channel server;
    private final Channel client;
    private final AutoCloseable revocationSubscription;
    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
    private final Map<InetSocketAddress, CompletableFuture<PeerConnection>> dialling = new ConcurrentHashMap<>();

    private StoqTransport(TransportContext ctx, QuicTransport udp, EventLoopGroup group, Channel server, Channel client,
            AutoCloseable revocationSubscription) {
        this.ctx = ctx;
        this.udp = udp;
        this.group = group;
        this.server = server;
        this.client = client;
        this.revocationSubscription = revocationSubscription;
    }

    public static Builder builder(PeerConfig config, LocalIdentity identity) {
        return new Builder(config, identity);
    }

    /** Configures and starts a transport. */
    public static final class Builder {
        private final PeerConfig config;
        private final LocalIdentity identity;
        private final Map<Integer, TransportContext.Registration> handlers = new HashMap<>();
        private RevocationSource revocations = new Revocations();
        private Clock clock = Clock.systemUTC();
        private String[] groups = QuicTls.GROUPS;
        private PacketFilter packetFilter;

        private Builder(PeerConfig config, LocalIdentity identity) {
            this.config = config;
            this.identity = identity;
            handle(MessageType.PING, (request, responder) -> responder.reply(request.args()));
        }

        /** Where revoked serials come from (default: an empty {@link Revocations}). */
        public Builder revocations(RevocationSource source) {
            this.revocations = source;
            return this;
        }

        /** Serves {@code type} with {@code handler}, replacing an earlier registration. */
        public Builder handle(MessageType type, RequestHandler handler) {
            handlers.put(type.code(), new TransportContext.Registration(type, handler));
            return this;
        }

        /** The clock certificates are checked against (tests move it). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** The TLS key-exchange groups to offer (tests narrow them). */
        public Builder groups(String... groups) {
            this.groups = groups.clone();
            return this;
        }

        /** Drops the datagrams {@code filter} names, both ways (tests: partitions; see {@link PacketFilter}). */
        public Builder packetFilter(PacketFilter filter) {
            this.packetFilter = filter;
            return this;
        }

        public StoqTransport start() throws NetException {
            if (!Quic.isAvailable()) {
                throw new NetException(NetErrorCode.INTERNAL, "the native QUIC library does not load on this platform: "
                        + Quic.unavailabilityCause());
            }
            PeerMetrics metrics = new PeerMetrics();
            ConnectionRegistry registry = new ConnectionRegistry(config);
            ExecutorService workers = Workers.bounded("stoq-peer-worker", config.workerThreads(), config.workerQueue());
            ExecutorService crypto = Workers.bounded("stoq-peer-handshake", 2, config.maxConnections());
            TransportContext ctx = new TransportContext(config, identity,
                    new PeerVerifier(identity.root(), identity.networkId(), revocations, clock), handlers, workers, crypto,
                    registry, metrics, clock);
            // The HTTP/3 socket's setup: epoll with GSO/GRO on Linux, and path MTU discovery up to
            // peer.max-udp-payload (by default 16,000 bytes on a loopback bind). Over NIO in
            // 1,350-byte packets, one syscall each, one stream carried 145-151 MiB/s on loopback;
            // over this 365-476 (docs/network.md, Benchmark).
            QuicTransport udp = QuicTransport.choose(config.nativeTransport(),
                    QuicTransport.maxUdpPayloadFor(config.maxUdpPayload(), config.bind().getAddress()));
            EventLoopGroup group = udp.newGroup(2, "stoq-peer-io");
            try {
                Channel server = bind(udp, group, config.bind(), serverCodec(ctx, udp, groups));
                Channel client = bind(udp, group, new InetSocketAddress(config.bind().getAddress(), 0), clientCodec(ctx, udp, groups));
                AutoCloseable subscription = revocations.subscribe(registry::revoked);
                return new StoqTransport(ctx, udp, group, server, client, subscription);
            } catch (Exception e) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                workers.shutdownNow();
                crypto.shutdownNow();
                throw new NetException(NetErrorCode.INTERNAL, "cannot listen for peers on " + config.bind() + ": " + e.getMessage(), e);
            }
        }

        private Channel bind(QuicTransport udp, EventLoopGroup group, InetSocketAddress address, ChannelHandler codec)
                throws InterruptedException {
            ChannelHandler handler = packetFilter == null ? codec : new io.netty.channel.ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new PacketDropper(packetFilter), codec);
                }
            };
            return udp.bind(group, handler, address, config.socketBufferBytes());
        }
    }

    private static <B extends QuicCodecBuilder<B>> B common(B builder, PeerConfig config, QuicTransport udp) {
        return udp.packetSizes(builder).maxIdleTimeout(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .initialMaxData(config.connectionWindowBytes())
                .initialMaxStreamDataBidirectionalLocal(config.streamWindowBytes())
                .initialMaxStreamDataBidirectionalRemote(config.streamWindowBytes())
                .initialMaxStreamsBidirectional(config.maxStreamsPerConnection())
                .initialMaxStreamsUnidirectional(0);
    }

    private static ChannelHandler serverCodec(TransportContext ctx, QuicTransport udp, String[] groups) {
        // The dialling side sets GSO on its bootstrap (quicConnect).
        return udp.segmentedSends(common(new QuicServerCodecBuilder(), ctx.config(), udp))
                .sslContext(QuicTls.server(ctx.identity(), groups))
                .tokenHandler(new RetryTokens())
                .handler(new ConnectionInit(ctx, Role.SERVER, null))
                .streamHandler(new IncomingStreams(ctx))
                .build();
    }

    private static ChannelHandler clientCodec(TransportContext ctx, QuicTransport udp, String[] groups) {
        return common(new QuicClientCodecBuilder(), ctx.config(), udp)
                .sslContext(QuicTls.client(ctx.identity(), groups))
                .build();
    }

    /**
     * Serves {@code type} with {@code handler} from now on (for services that need the running
     * transport first, such as discovery, which advertises the bound port).
     */
    public void handle(MessageType type, RequestHandler handler) {
        ctx.handlers().put(type.code(), new TransportContext.Registration(type, handler));
    }

    /** For logs: the UDP socket kind and packet sizes, e.g. {@code epoll, GSO/GRO, path MTU up to 16000}. */
    public String udpTransport() {
        return udp.describe();
    }

    /** The address peers dial (the port the OS chose when the configured one was 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    public LocalIdentity identity() {
        return ctx.identity();
    }

    public PeerMetrics metrics() {
        return ctx.metrics();
    }

    /**
     * An authenticated connection to the peer at {@code address}: an open one this node dialled
     * before, or a new one (QUIC handshake, then the Falcon handshake, both bounded by the
     * handshake timeout). Fails with the refusal's code: the peer's, or this node's when the
     * peer's credentials fail here.
     */
    public PeerConnection connect(InetSocketAddress address) throws NetException {
        if (state.get() != State.RUNNING) {
            throw new NetException(NetErrorCode.SHUTDOWN, "the peer transport is closed");
        }
        var existing = ctx.registry().outgoingTo(address);
        if (existing.isPresent()) {
            return existing.get();
        }
        // One dial per address at a time: concurrent callers share it (and the per-peer limit is not spent twice).
        CompletableFuture<PeerConnection> mine = new CompletableFuture<>();
        CompletableFuture<PeerConnection> other = dialling.putIfAbsent(address, mine);
        if (other != null) {
            return awaitDial(address, other);
        }
        try {
            PeerConnection connection = dial(address);
            mine.complete(connection);
            return connection;
        } catch (NetException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            dialling.remove(address, mine);
        }
    }

    private PeerConnection awaitDial(InetSocketAddress address, CompletableFuture<PeerConnection> dial) throws NetException {
        try {
            return dial.get(2 * ctx.config().handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NetException n) {
                throw new NetException(n.code(), n.getMessage(), n);
            }
            throw new NetException(NetErrorCode.INTERNAL, "dialling " + address + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new NetException(NetErrorCode.UNREACHABLE, "no connection to " + address + " in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetException(NetErrorCode.CLOSED, "interrupted while connecting to " + address);
        }
    }

    /** Always a new connection (tests, and transfers that want their own congestion window). */
    public PeerConnection dial(InetSocketAddress address) throws NetException {
        PeerSession session = quicConnect(address);
        ClientHandshake.run(session);
        return session;
    }

    /** A QUIC connection on which the STOQ handshake has not started: for tests that drive it by hand. */
    PeerSession quicConnect(InetSocketAddress address) throws NetException {
        long millis = ctx.config().handshakeTimeout().toMillis();
        ConnectionInit init = new ConnectionInit(ctx, Role.CLIENT, address);
        Future<QuicChannel> connecting = udp.segmentedSends(QuicChannel.newBootstrap(client))
                .handler(init)
                .streamHandler(new IncomingStreams(ctx))
                .remoteAddress(address)
                .connect();
        if (!connecting.awaitUninterruptibly(millis, TimeUnit.MILLISECONDS)) {
            // Given up now, not at QUIC's idle timeout: until it closes, the attempt holds its slot.
            QuicChannel attempt = init.channel();
            if (attempt != null) {
                attempt.close();
            }
            // Not cancelled (the QUIC codec completes it later regardless): closed if it ever connects.
            connecting.addListener(f -> {
                if (f.isSuccess()) {
                    ((QuicChannel) f.getNow()).close();
                }
            });
            throw new NetException(NetErrorCode.UNREACHABLE, "no QUIC handshake with " + address + " within " + millis + " ms");
        }
        if (!connecting.isSuccess()) {
            throw new NetException(NetErrorCode.UNREACHABLE, "cannot connect to " + address + ": " + connecting.cause().getMessage(),
                    connecting.cause());
        }
        PeerSession session = PeerSession.of(connecting.getNow());
        if (session == null) {
            connecting.getNow().close();
            throw new NetException(NetErrorCode.TOO_MANY_CONNECTIONS, "this node has reached its connection limit");
        }
        return session;
    }

    /** Open, authenticated connections, both directions. */
    public List<PeerConnection> connections() {
        List<PeerConnection> out = new ArrayList<>();
        for (PeerSession s : ctx.registry().all()) {
            if (s.isOpen()) {
                out.add(s);
            }
        }
        return out;
    }

    /** Open, authenticated connections with {@code nodeId}, both directions. */
    public List<PeerConnection> connectionsTo(String nodeId) {
        return new ArrayList<>(ctx.registry().forNode(nodeId));
    }

    /** The peers connected now, one entry per node. */
    public List<AuthenticatedPeer> peers() {
        Map<String, AuthenticatedPeer> out = new HashMap<>();
        for (PeerConnection c : connections()) {
            out.putIfAbsent(c.peer().nodeId(), c.peer());
        }
        return new ArrayList<>(out.values());
    }

    /** Connections of any state, for limits tests and metrics. */
    public int connectionCount() {
        return ctx.registry().size();
    }

    @Override
    public void close() {
        if (!state.compareAndSet(State.RUNNING, State.CLOSED)) {
            return;
        }
        try {
            revocationSubscription.close();
        } catch (Exception e) {
            LOG.debug("revocation subscription did not close", e);
        }
        for (PeerSession s : ctx.registry().all()) {
            s.close();
        }
        server.close().syncUninterruptibly();
        client.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        ctx.workers().shutdownNow();
        ctx.crypto().shutdownNow();
    }
}
