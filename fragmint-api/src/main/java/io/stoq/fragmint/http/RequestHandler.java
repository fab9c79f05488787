package io.stoq.fragmint.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.stoq.fragmint.port.ApiError;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty end of every request, the same for HTTP/1.1 connections, HTTP/2 stream channels and
 * HTTP/3 stream channels (codecs before it turn each into {@code HttpRequest} + {@code HttpContent}).
 * It feeds the body into the request's {@link BodyPipe}, pausing {@code autoRead} when the pipe is
 * full, and hands the exchange to the {@link Dispatcher}. On HTTP/1.1 a pipelined next request
 * waits in {@code pending} until the current response is written.
 *
 * <p>All fields are owned by the channel's event loop.
 */
final class RequestHandler extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);

    private final Dispatcher dispatcher;
    private final HttpExchange.Protocol protocol;
    private final WritabilityGate gate = new WritabilityGate();
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private HttpExchange current;
    private boolean bodyDone;

    RequestHandler(Dispatcher dispatcher, HttpExchange.Protocol protocol) {
        this.dispatcher = dispatcher;
        this.protocol = protocol;
    }

    WritabilityGate gate() {
        return gate;
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (current != null && bodyDone) {
            // HTTP/1.1 pipelining: hold the next request until this response is out.
            pending.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        handle(ctx, msg);
    }

    private void handle(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            DecoderResult dr = req.decoderResult();
            if (dr.isFailure()) {
                ReferenceCountUtil.release(msg);
                ApiError err = dr.cause() instanceof TooLongFrameException
                        ? ApiError.PAYLOAD_TOO_LARGE : ApiError.BAD_REQUEST;
                dispatcher.rejectUnparseable(ctx, protocol, err, "malformed HTTP request: "
                        + oneLine(dr.cause()));
                return;
            }
            BodyPipe pipe = new BodyPipe(HttpExchange.declaredLength(req), dispatcher.bodyLimit(req),
                    () -> ctx.executor().execute(() -> ctx.channel().config().setAutoRead(true)),
                    dispatcher.bodyReadTimeout());
            current = new HttpExchange(ctx, req, protocol, pipe, dispatcher.nextRequestId(),
                    remote(ctx.channel()), dispatcher.maxJson());
            bodyDone = false;
            dispatcher.dispatch(current, this);
        }
        if (msg instanceof HttpContent content) {
            if (current == null || bodyDone) {
                content.release();
                return;
            }
            BodyPipe pipe = current.pipe;
            if (content.decoderResult().isFailure()) {
                content.release();
                pipe.abort(ApiError.TRUNCATED_BODY, "request body could not be decoded: "
                        + oneLine(content.decoderResult().cause()));
                bodyDone = true;
                return;
            }
            boolean full = pipe.offer(content.content().retain());
            boolean last = content instanceof LastHttpContent;
            content.release();
            if (last) {
                pipe.end();
                bodyDone = true;
                if (protocol == HttpExchange.Protocol.HTTP_1_1) {
                    // Read nothing more on this connection until the response is written.
                    ctx.channel().config().setAutoRead(false);
                }
            } else if (full) {
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Called on the event loop once the response to {@code ex} is fully written. */
    void exchangeDone(ChannelHandlerContext ctx, HttpExchange ex, boolean closeAfter) {
        ex.pipe.discard();
        dispatcher.completed(ex);
        if (ex != current) {
            return;
        }
        if (closeAfter || !bodyDone || protocol != HttpExchange.Protocol.HTTP_1_1) {
            if (!bodyDone) {
                ex.pipe.abort(ApiError.TRUNCATED_BODY, "response sent before the body was read");
            }
            current = null;
            releasePending();
            ctx.close();
            return;
        }
        current = null;
        bodyDone = false;
        while (!pending.isEmpty() && (current == null || !bodyDone)) {
            handle(ctx, pending.poll());
        }
        if (current == null || !bodyDone) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        gate.signal();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (current != null) {
            current.pipe.abort(ApiError.TRUNCATED_BODY, "client closed the connection mid-request");
            dispatcher.completed(current);
        }
        gate.signal();
        releasePending();
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("connection error on {}: {}", ctx.channel(), cause.toString());
        if (current != null) {
            current.pipe.abort(ApiError.TRUNCATED_BODY, "connection failed mid-request");
        }
        ctx.close();
    }

    private void releasePending() {
        Object o;
        while ((o = pending.poll()) != null) {
            ReferenceCountUtil.release(o);
        }
    }

    /**
     * The client's IP address: for an HTTP/2 stream the connection's, for an HTTP/3 stream the
     * QUIC connection's UDP peer (a stream's own "address" is only its stream id).
     */
    static String remote(io.netty.channel.Channel ch) {
        if (ch instanceof io.netty.handler.codec.quic.QuicStreamChannel s) {
            return remote(s.parent().remoteSocketAddress());
        }
        if (ch instanceof io.netty.handler.codec.http2.Http2StreamChannel s) {
            return remote(s.parent().remoteAddress());
        }
        return remote(ch.remoteAddress());
    }

    static String remote(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            return i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
        }
        return String.valueOf(a);
    }

    private static String oneLine(Throwable t) {
        String m = t == null ? "unknown" : String.valueOf(t.getMessage());
        return m.replaceAll("\\s+", " ");
    }
}
