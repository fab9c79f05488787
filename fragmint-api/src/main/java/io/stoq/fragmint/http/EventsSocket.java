package io.stoq.fragmint.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.stoq.fragmint.auth.AccessControl;
import io.stoq.fragmint.auth.Permission;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.EventSource;
import io.stoq.fragmint.port.LedgerEvent;
import io.stoq.fragmint.port.Role;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /v1/events} WebSocket: after the usual auth, the HTTP/1.1 connection is upgraded and
 * receives every ledger event the caller may see, one JSON text frame per event. A subscriber that
 * cannot keep up (outbound buffer full) is disconnected with close code 1013 rather than buffered
 * without bound; it can reconnect with {@code ?after=<last seq>}.
 *
 * <p>Event visibility ({@link #visible}): ASSET needs ASSET_READ, TOKEN needs TOKEN_READ, ACCOUNT
 * needs ACCOUNT_READ, NODE needs NODE_READ, BLOCK needs LEDGER_READ; and an event that names its
 * {@link LedgerEvent#readers() readers} (every event about one asset) goes only to them, to admins
 * and, for asset events, to auditors: the same rule as the REST reads.
 *
 * <p>A subscription lives only as long as its credential: every {@link #RECHECK} the caller's
 * Authorization is checked again through {@link AccessControl#authenticate} (on an API worker,
 * because the account store may block), and a revoked or expired key, an ended session or a
 * changed role closes the stream with 1008 and a reason. Deliveries check the verdict (a volatile
 * flag) before each frame. Thread-safe.
 */
final class EventsSocket {
    private static final Logger LOG = LoggerFactory.getLogger(EventsSocket.class);
    private static final int MAX_FRAME = 64 * 1024;
    /** How often a live subscription's credential and role are checked again. */
    static final Duration RECHECK = Duration.ofSeconds(2);
    private static final String SEC_VERSION = "Sec-WebSocket-Version";
    private static final String SEC_KEY = "Sec-WebSocket-Key";
    /** The only WebSocket version served: RFC 6455's. */
    static final String VERSION = "13";

    private final EventSource source;
    private final AccessControl access;
    private final Executor checks;

    /**
     * @param checks where credential re-checks run (the API workers: never an event loop)
     */
    EventsSocket(EventSource source, AccessControl access, Executor checks) {
        this.source = source;
        this.access = access;
        this.checks = checks;
    }

    /** Whether {@code caller} may see {@code e}; see the class comment. */
    static boolean visible(LedgerEvent e, Caller caller) {
        if (!permissionFor(e.category()).grantedTo(caller.role())) {
            return false;
        }
        return e.readers() == null || caller.isAdmin()
                || (e.category() == LedgerEvent.Category.ASSET && caller.role() == Role.AUDITOR)
                || e.readers().contains(caller.accountId());
    }

    static Permission permissionFor(LedgerEvent.Category c) {
        return switch (c) {
            case ASSET -> Permission.ASSET_READ;
            case TOKEN -> Permission.TOKEN_READ;
            case ACCOUNT -> Permission.ACCOUNT_READ;
            case NODE -> Permission.NODE_READ;
            case BLOCK -> Permission.LEDGER_READ;
        };
    }

    /**
     * Performs the upgrade; returns 101. A request that is not a complete RFC 6455 handshake gets
     * 400 at once, before anything is handed to Netty's handshaker (which would throw on a missing
     * key, leaving the client waiting until the idle timeout, and would fall back to the
     * pre-standard draft 00 when the version is missing). A missing or other version than 13 gets
     * 400 with {@code Sec-WebSocket-Version: 13}, which tells a client what to retry with (RFC 6455
     * section 4.4 allows any 4xx with that header; 400 keeps one error code for all bad handshakes).
     */
    int upgrade(HttpExchange ex, RequestHandler handler, long afterSeq, ResponseWriter writer)
            throws java.io.IOException {
        if (ex.protocol != HttpExchange.Protocol.HTTP_1_1 || ex.isHead()
                || !"websocket".equalsIgnoreCase(ex.request.headers().get("Upgrade"))) {
            writer.problem(ex, handler, ApiError.BAD_REQUEST,
                    "/v1/events is a WebSocket: send an HTTP/1.1 'Upgrade: websocket' request", Map.of());
            return 400;
        }
        if (!VERSION.equals(ex.request.headers().get(SEC_VERSION))) {
            writer.problem(ex, handler, ApiError.BAD_REQUEST, "this server speaks WebSocket version "
                    + VERSION + " (RFC 6455): send '" + SEC_VERSION + ": " + VERSION + "'",
                    Map.of(SEC_VERSION, VERSION));
            return 400;
        }
        String problem = handshakeProblem(ex.request.headers());
        if (problem != null) {
            writer.problem(ex, handler, ApiError.BAD_REQUEST, problem, Map.of());
            return 400;
        }
        if (!ex.startResponse(101)) {
            throw new java.io.IOException("response already started");
        }
        Caller caller = ex.caller();
        String authorization = ex.request.headers().get(HttpHeaderNames.AUTHORIZATION);
        Channel ch = ex.ctx.channel();
        FullHttpRequest req = new DefaultFullHttpRequest(ex.request.protocolVersion(), ex.request.method(),
                ex.request.uri());
        req.headers().set(ex.request.headers());
        String url = "ws://" + ex.request.headers().get("Host", "localhost") + "/v1/events";
        WebSocketServerHandshaker hs = new WebSocketServerHandshakerFactory(url, null, false, MAX_FRAME)
                .newHandshaker(req);
        if (hs == null) {
            req.release();
            ch.eventLoop().execute(() -> {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ch);
                ch.close();
            });
            return 426;
        }
        Subscriber sub = new Subscriber(caller, hs, authorization);
        handler.dispatcher().completed(ex); // a subscription is not a request to drain on shutdown
        ch.eventLoop().execute(() -> {
            if (ch.pipeline().get(HttpServerUpgradeHandler.class) != null) {
                ch.pipeline().remove(HttpServerUpgradeHandler.class);
            }
            ch.pipeline().replace(handler, "events", sub);
            io.netty.channel.ChannelFuture handshake;
            try {
                handshake = hs.handshake(ch, req);
            } catch (RuntimeException e) {
                // Checked above, so this is a bug; still, answer instead of holding the client.
                LOG.warn("WebSocket handshake of request {} failed: {}", ex.requestId, e.toString());
                req.release();
                ch.writeAndFlush(writer.problemResponse(ApiError.BAD_REQUEST,
                        "the WebSocket handshake could not be completed", ex.requestId))
                        .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                return;
            }
            handshake.addListener(f -> {
                req.release();
                if (!f.isSuccess()) {
                    ch.close();
                    return;
                }
                try {
                    AutoCloseable handle = source.subscribe(afterSeq, sub::deliver);
                    ScheduledFuture<?> timer = ch.eventLoop().scheduleAtFixedRate(sub::recheck,
                            RECHECK.toMillis(), RECHECK.toMillis(), TimeUnit.MILLISECONDS);
                    ch.closeFuture().addListener(c -> {
                        timer.cancel(false);
                        closeQuietly(handle);
                    });
                } catch (ApiException | RuntimeException e) {
                    LOG.warn("event subscription failed: {}", e.toString());
                    ch.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE))
                            .addListener(x -> ch.close());
                }
            });
        });
        return 101;
    }

    /** What is wrong with a version-13 handshake's other headers, or null. */
    static String handshakeProblem(io.netty.handler.codec.http.HttpHeaders h) {
        boolean upgradeToken = false;
        for (String v : h.getAll("Connection")) {
            for (String token : v.split(",")) {
                upgradeToken |= token.trim().equalsIgnoreCase("upgrade");
            }
        }
        if (!upgradeToken) {
            return "a WebSocket handshake needs 'Connection: Upgrade'";
        }
        String key = h.get(SEC_KEY);
        byte[] nonce = null;
        if (key != null) {
            try {
                nonce = java.util.Base64.getDecoder().decode(key.trim());
            } catch (IllegalArgumentException e) {
                nonce = null;
            }
        }
        if (nonce == null || nonce.length != 16) {
            return "a WebSocket handshake needs '" + SEC_KEY + "': 16 random bytes in base64 "
                    + "(RFC 6455 section 4.1)";
        }
        return null;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("closing subscription: {}", e.toString());
        }
    }

    /** One event as sent: without its {@code readers} (who else may see it is none of the subscriber's business). */
    static byte[] frame(LedgerEvent e) {
        ObjectNode n = Json.MAPPER.valueToTree(e);
        n.remove("readers");
        return Json.bytes(n);
    }

    /** One connected subscriber; frames from the client are handled on its event loop. */
    private final class Subscriber extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final Caller caller;
        private final WebSocketServerHandshaker handshaker;
        private final String authorization;
        private volatile Channel channel;
        private volatile boolean ended;
        private final AtomicBoolean checking = new AtomicBoolean();
        private boolean awaitingPong; // event loop only

        Subscriber(Caller caller, WebSocketServerHandshaker handshaker, String authorization) {
            this.caller = caller;
            this.handshaker = handshaker;
            this.authorization = authorization;
        }

        /** Timer tick on the event loop: hands one credential check to a worker (at most one in flight). */
        void recheck() {
            if (ended || !checking.compareAndSet(false, true)) {
                return;
            }
            try {
                checks.execute(this::verify);
            } catch (RejectedExecutionException e) {
                checking.set(false); // workers busy or shutting down: try again next tick
            }
        }

        /** On a worker: the caller's credential and role now, through the same check as every request. */
        private void verify() {
            try {
                Caller now = access.authenticate(authorization);
                if (now.role() != caller.role()) {
                    end("role changed from " + caller.role().wireName() + " to " + now.role().wireName()
                            + "; reconnect");
                }
            } catch (ApiException e) {
                if (e.error() == ApiError.UNAUTHENTICATED) {
                    end("credential revoked or expired");
                } else {
                    LOG.debug("event subscriber re-check failed, kept for now: {}", e.toString());
                }
            } catch (RuntimeException e) {
                LOG.warn("event subscriber re-check failed, kept for now: {}", e.toString());
            } finally {
                checking.set(false);
            }
        }

        /** Stops deliveries at once and closes the stream with 1008 and {@code reason}. */
        private void end(String reason) {
            ended = true;
            Channel ch = channel;
            if (ch != null && ch.isActive()) {
                ch.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.POLICY_VIOLATION, reason))
                        .addListener(x -> ch.close());
            }
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            ctx.channel().config().setAutoRead(true);
        }

        /** Called on the event source's thread; never blocks. */
        void deliver(LedgerEvent e) {
            Channel ch = channel;
            if (ended || ch == null || !ch.isActive() || !visible(e, caller)) {
                return;
            }
            if (!ch.isWritable()) {
                ch.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.TRY_AGAIN_LATER,
                        "subscriber too slow; reconnect with ?after=" + (e.seq() - 1)))
                        .addListener(x -> ch.close());
                return;
            }
            ch.writeAndFlush(new TextWebSocketFrame(new String(frame(e), StandardCharsets.UTF_8)));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof CloseWebSocketFrame close) {
                handshaker.close(ctx.channel(), close.retain());
            } else if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            } else if (frame instanceof PongWebSocketFrame) {
                awaitingPong = false;
            }
            // Text and binary frames from clients are ignored: the stream is one-way.
        }

        /** Idle connection: ping; if the last ping got no pong, the peer is gone. */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof io.netty.handler.timeout.IdleStateEvent) {
                if (awaitingPong) {
                    ctx.close();
                } else {
                    awaitingPong = true;
                    ctx.writeAndFlush(new PingWebSocketFrame());
                }
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
