package io.stoq.net.transport;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.net.AuthenticatedPeer;
import io.stoq.net.BodyWriter;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.net.Reply;
import io.stoq.net.handshake.Role;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One QUIC connection to a peer and its authentication state.
 *
 * <pre>
 *   HANDSHAKING --(both proofs verified, admitted)--> AUTHENTICATED --(close)--> CLOSED
 *        \--(refused: bad chain, revoked, mismatch, signature, timeout, limit)--> CLOSED
 * </pre>
 *
 * No request is served, and none sent, before AUTHENTICATED: the only stream allowed before is
 * the handshake stream (stream 0, opened by the client). A refusal closes the QUIC connection
 * with the reason's code as the application error, so the peer learns why.
 *
 * <p>Thread-safety: state fields are volatile and written on the connection's event loop (the
 * client's handshake, run by the connecting thread, hands its results over through them too);
 * {@code waiting} is touched on the event loop only.
 */
public final class PeerSession implements PeerConnection {
    static final AttributeKey<PeerSession> KEY = AttributeKey.valueOf(PeerSession.class, "session");

    enum State { HANDSHAKING, AUTHENTICATED, CLOSED }

    /** A caller waiting for stream credit. */
    private record Waiting(Promise<QuicStreamChannel> promise, Duration ioTimeout) {}

    private final TransportContext ctx;
    private final QuicChannel channel;
    private final Role role;
    private final InetSocketAddress remote;
    private final CompletableFuture<AuthenticatedPeer> ready = new CompletableFuture<>();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private volatile State state = State.HANDSHAKING;
    private final java.util.concurrent.atomic.AtomicBoolean closedOnce = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile AuthenticatedPeer peer;
    private volatile Set<BigInteger> chainSerials = Set.of();
    private volatile NetErrorCode closeCode;
    private volatile String closeReason;
    private volatile boolean handshakeStreamSeen;

    PeerSession(TransportContext ctx, QuicChannel channel, Role role, InetSocketAddress remote) {
        this.ctx = ctx;
        this.channel = channel;
        this.role = role;
        this.remote = remote;
    }

    State state() {
        return state;
    }

    static PeerSession of(QuicChannel channel) {
        return channel.attr(KEY).get();
    }

    TransportContext context() {
        return ctx;
    }

    QuicChannel channel() {
        return channel;
    }

    Role role() {
        return role;
    }

    public boolean isClient() {
        return role == Role.CLIENT;
    }

    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /** The peer once its proof verified (before admission on the server), else null. */
    @Override
    public AuthenticatedPeer peer() {
        return peer;
    }

    Set<BigInteger> chainSerials() {
        return chainSerials;
    }

    @Override
    public boolean isOpen() {
        // A connection being closed (a refusal sent or received) is no longer open, even while QUIC drains it.
        return state == State.AUTHENTICATED && closeCode == null && channel.isActive();
    }

    /** Completes when the handshake succeeds; fails with the refusal otherwise. */
    CompletableFuture<AuthenticatedPeer> ready() {
        return ready;
    }

    /** True for the one stream that may run the handshake; false for every later one. */
    boolean claimHandshakeStream(QuicStreamChannel stream) {
        if (handshakeStreamSeen || role != Role.SERVER || stream.streamId() != 0 || state != State.HANDSHAKING) {
            return false;
        }
        handshakeStreamSeen = true;
        return true;
    }

    /** May a stream the peer opened carry a request? Only once the peer's proof verified. */
    boolean acceptsRequests() {
        return state == State.AUTHENTICATED || (role == Role.CLIENT && peer != null && state != State.CLOSED);
    }

    // ---- handshake results ----

    void peerVerified(NodeIdentity identity, List<X509Certificate> chain) {
        Set<BigInteger> serials = new HashSet<>();
        chain.forEach(c -> serials.add(c.getSerialNumber()));
        this.chainSerials = Set.copyOf(serials);
        this.peer = new AuthenticatedPeer(identity, remote);
    }

    /** Admits the verified peer (per-peer limit) and opens the connection for requests. */
    void authenticated() throws NetException {
        if (peer == null) {
            throw new NetException(NetErrorCode.HANDSHAKE_FAILED, "the handshake ended without a verified peer");
        }
        ctx.registry().admit(this, peer.nodeId());
        state = State.AUTHENTICATED;
        ctx.metrics().handshakeCompleted();
        ready.complete(peer);
    }

    /** Refuses or drops the connection for {@code code}: counted, logged (rate-limited), closed with the code. */
    public void refuse(NetErrorCode code, String reason) {
        if (state == State.CLOSED || closeCode != null) {
            return;
        }
        closeCode = code;
        closeReason = reason;
        ctx.metrics().refused(code, remote.toString(), reason);
        ready.completeExceptionally(new NetException(code, reason));
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        channel.close(true, code.wireCode(), Unpooled.wrappedBuffer(text, 0, Math.min(text.length, 256)));
    }

    /** The peer closed the connection; remember why, for the handshake's caller. */
    void closedByPeer(boolean application, int error, byte[] reason) {
        if (closeCode == null && application) {
            closeCode = NetErrorCode.fromWire(error);
            closeReason = "the peer closed the connection: " + new String(reason, StandardCharsets.UTF_8);
        }
    }

    /**
     * The connection is gone: frees its slots and fails what waits on it. Called when the channel
     * closes, once; a connection that never became active (a dial the peer never answered) closes
     * without {@code channelInactive}, so the channel's close future calls this too.
     */
    void closed() {
        if (!closedOnce.compareAndSet(false, true)) {
            return;
        }
        state = State.CLOSED;
        ctx.registry().release(this);
        ctx.metrics().connectionClosed();
        NetErrorCode code = closeCode != null ? closeCode : NetErrorCode.CLOSED;
        String reason = closeReason != null ? closeReason : "the connection closed";
        ready.completeExceptionally(new NetException(code, reason));
        Waiting w;
        while ((w = waiting.poll()) != null) {
            w.promise().tryFailure(new NetException(code, reason));
        }
    }

    /** Why the connection ended, once it has: the code sent or received. */
    NetException closeFailure() {
        NetErrorCode code = closeCode;
        return code == null ? null : new NetException(code, closeReason);
    }

    // ---- streams ----

    /** Opens a bidirectional stream, waiting (up to {@code timeout}) while the peer allows no more. */
    StreamIo openStream(Duration timeout) throws NetException {
        return openStream(timeout, ctx.config().requestTimeout());
    }

    /** As {@link #openStream(Duration)}, with {@code ioTimeout} bounding each wait on the stream. */
    StreamIo openStream(Duration timeout, Duration ioTimeout) throws NetException {
        Promise<QuicStreamChannel> promise = channel.eventLoop().newPromise();
        channel.eventLoop().execute(() -> tryCreate(promise, ioTimeout, true));
        try {
            if (!promise.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                promise.cancel(false);
                throw new NetException(NetErrorCode.TIMEOUT, "no stream to " + describe() + " became free within " + timeout.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetException(NetErrorCode.CLOSED, "interrupted while opening a stream");
        }
        if (!promise.isSuccess()) {
            NetException why = closeFailure();
            if (why != null) {
                throw why;
            }
            throw new NetException(NetErrorCode.CLOSED, "cannot open a stream to " + describe() + ": " + promise.cause().getMessage());
        }
        StreamIo io = promise.getNow().pipeline().get(StreamIo.class);
        if (io == null) {
            // The stream (or its connection) closed between its creation and now: its handlers are gone.
            throw new NetException(NetErrorCode.CLOSED, "the stream to " + describe() + " closed as it opened");
        }
        return io;
    }

    private void tryCreate(Promise<QuicStreamChannel> promise, Duration ioTimeout, boolean firstTry) {
        if (promise.isDone()) {
            return;
        }
        if (!channel.isActive()) {
            promise.tryFailure(new NetException(NetErrorCode.CLOSED, "the connection is closed"));
            return;
        }
        if (channel.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) <= 0) {
            waiting.add(new Waiting(promise, ioTimeout));
            return;
        }
        Promise<QuicStreamChannel> attempt = channel.eventLoop().newPromise();
        channel.createStream(QuicStreamType.BIDIRECTIONAL, new StreamInit(ctx, ioTimeout), attempt);
        attempt.addListener((Future<QuicStreamChannel> f) -> {
            if (f.isSuccess()) {
                if (!promise.trySuccess(f.getNow())) {
                    f.getNow().close(); // the caller gave up meanwhile
                }
            } else if (firstTry && channel.isActive()) {
                waiting.add(new Waiting(promise, ioTimeout)); // the stream limit moved under us; wait for more credit
            } else {
                promise.tryFailure(f.cause());
            }
        });
    }

    /** The peer granted more streams: hand them to waiting callers (event loop). */
    void streamLimitChanged() {
        while (!waiting.isEmpty() && channel.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) > 0) {
            Waiting w = waiting.poll();
            tryCreate(w.promise(), w.ioTimeout(), false);
        }
    }

    // ---- PeerConnection ----

    @Override
    public Reply call(MessageType type, byte[] args) throws NetException {
        return ClientCall.call(this, type, args, null);
    }

    @Override
    public Reply call(MessageType type, byte[] args, BodyWriter body) throws NetException {
        return ClientCall.call(this, type, args, body);
    }

    void requireOpen() throws NetException {
        if (!isOpen()) {
            NetException why = closeFailure();
            throw why != null ? why : new NetException(NetErrorCode.CLOSED, "the connection to " + describe() + " is closed");
        }
    }

    String describe() {
        return peer != null ? peer.toString() : remote.toString();
    }

    @Override
    public void close() {
        if (closeCode == null) {
            closeCode = NetErrorCode.SHUTDOWN;
            closeReason = "closed by this node";
        }
        channel.close(true, NetErrorCode.SHUTDOWN.wireCode(), Unpooled.wrappedBuffer("closed".getBytes(StandardCharsets.US_ASCII)));
    }

    @Override
    public String toString() {
        return "PeerSession[" + role + " " + describe() + " " + state + "]";
    }
}
