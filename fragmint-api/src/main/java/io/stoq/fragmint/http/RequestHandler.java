package io.stoq.fragmint.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
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
    /** Small bodies up to this size are read whole before the exchange goes to a worker. */
    static final long WHOLE_BODY_LIMIT = 64 * 1024;

    private HttpExchange current;
    private boolean bodyDone;
    private boolean dispatched;
    private final NoBodyTrailer trailer = new NoBodyTrailer();

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
        if (pending.isEmpty() && trailer.swallow(msg)) {
            return;
        }
        if (current != null && bodyDone) {
            // HTTP/1.1 pipelining: hold the next request until this response is out.
            pending.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        handle(ctx, msg);
    }

    private void handle(ChannelHandlerContext ctx, Object msg) {
        if (trailer.swallow(msg)) {
            return;
        }
        if (msg instanceof HttpRequest req) {
            start(ctx, req, msg);
            return;
        }
        if (msg instanceof HttpContent content) {
            if (current == null || bodyDone) {
                content.release();
                return;
            }
            feed(ctx, content);
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    /**
     * Begins an exchange. It goes to a worker at once when its body streams (uploads) or is
     * unknown in size, but only once the whole body is here when it is small or absent: the
     * worker then never answers a request whose end it has not seen yet, so whether the
     * connection stays open does not depend on which thread wins a race.
     */
    private void start(ChannelHandlerContext ctx, HttpRequest req, Object msg) {
        DecoderResult dr = req.decoderResult();
        if (dr.isFailure()) {
            ReferenceCountUtil.release(msg);
            rejectUnparseable(ctx, dr.cause());
            return;
        }
        BodyPipe pipe = new BodyPipe(HttpExchange.declaredLength(req), dispatcher.bodyLimit(req),
                () -> ctx.executor().execute(() -> ctx.channel().config().setAutoRead(true)),
                dispatcher.bodyReadTimeout());
        current = new HttpExchange(ctx, req, protocol, pipe, dispatcher.nextRequestId(),
                remote(ctx.channel()), dispatcher.maxJson());
        bodyDone = false;
        dispatched = false;
        if (msg instanceof HttpContent whole) {
            // HTTP/2 or HTTP/3 HEADERS with END_STREAM, or an aggregated upgrade request.
            feed(ctx, whole);
        } else if (protocol == HttpExchange.Protocol.HTTP_1_1 && !HttpUtil.isTransferEncodingChunked(req)
                && HttpUtil.getContentLength(req, 0L) == 0) {
            // No body by its headers: it is complete now. The decoder still emits an empty
            // end-of-message marker next; it carries nothing and is dropped.
            pipe.end();
            bodyDone = true;
            trailer.expect();
            ctx.channel().config().setAutoRead(false);
        }
        if (!dispatched && (bodyDone || !waitsForBody(req))) {
            dispatch();
        }
    }

    /** HTTP/1.1 bodies of a known small size on a non-streaming route are read before dispatch. */
    private boolean waitsForBody(HttpRequest req) {
        long declared = HttpUtil.getContentLength(req, -1L);
        // A request still expecting 100-continue was not accepted: its body will not come.
        return protocol == HttpExchange.Protocol.HTTP_1_1 && declared > 0 && declared <= WHOLE_BODY_LIMIT
                && declared <= dispatcher.bodyLimit(req) && !dispatcher.streamsBody(req)
                && !HttpUtil.is100ContinueExpected(req);
    }

    private void dispatch() {
        dispatched = true;
        dispatcher.dispatch(current, this);
    }

    private void feed(ChannelHandlerContext ctx, HttpContent content) {
        BodyPipe pipe = current.pipe;
        if (content.decoderResult().isFailure()) {
            content.release();
            pipe.abort(ApiError.TRUNCATED_BODY, "request body could not be decoded: "
                    + Problems.clientSafe(content.decoderResult().cause(), "bad chunk framing"));
            bodyDone = true;
        } else {
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
        }
        if (bodyDone && !dispatched) {
            dispatch();
        }
    }

    /** Answers what the codec could not parse, in the client's terms, and closes. */
    private void rejectUnparseable(ChannelHandlerContext ctx, Throwable cause) {
        ApiError err;
        String detail;
        if (cause instanceof TooLongHttpLineException) {
            err = ApiError.URI_TOO_LONG;
            detail = "the request line (method, path and query) is too long: shorten the path or query";
        } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            err = ApiError.HEADERS_TOO_LARGE;
            detail = "the request headers are larger than the limit of " + dispatcher.maxHeaderSize();
        } else {
            err = ApiError.BAD_REQUEST;
            detail = "malformed HTTP request: " + Problems.clientSafe(cause, "it could not be parsed");
        }
        dispatcher.rejectUnparseable(ctx, protocol, err, detail);
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
            if (!bodyDone && protocol == HttpExchange.Protocol.H2) {
                // The response is complete; RFC 9113 section 8.1: NO_ERROR asks the client to stop
                // sending and keep it. The stream channel's own close would send CANCEL, after
                // which a client may discard the response (the JDK's HttpClient does).
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.close();
            return;
        }
        current = null;
        bodyDone = false;
        while (!pending.isEmpty() && (current == null || !bodyDone || trailer.isDue())) {
            handle(ctx, pending.poll());
        }
        if (current == null || !bodyDone || trailer.isDue()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** The end of a read batch: wakes the upload's worker once for everything the batch brought. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        HttpExchange ex = current;
        if (ex != null) {
            ex.pipe.readComplete();
        }
        ctx.fireChannelReadComplete();
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
            if (dispatched) {
                dispatcher.completed(current);
            }
        }
        gate.signal();
        releasePending();
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            // Only a connection with no request in progress is idle. One whose request the node is
            // still working on (an upload held back for pipeline memory, its client stopped by flow
            // control) is quiet through no fault of the client; client slowness has its own limits
            // (header timeout, minimum upload rate, write-stall timeout).
            Pipelines.closeIfIdle(ctx, current != null);
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

}
