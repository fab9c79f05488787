package io.stoq.fragmint.s3;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.stoq.fragmint.http.ListenerGuards;
import io.stoq.fragmint.http.NoBodyTrailer;
import io.stoq.fragmint.http.RequestBody;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1.1 connection of the S3 gateway: hands each request (head on the event loop, body
 * through a {@link RequestBody}, the REST routes' body pipe) to a worker, which runs the gateway and writes the response. One
 * request at a time per connection (HTTP/1.1 without pipelining, as S3 clients use it).
 *
 * <p><b>One exchange at a time.</b> Once a request's body has ended, nothing more is read from the
 * connection until its response has been written through to the socket: a next request that
 * arrives sooner (pipelined, or sent by a keep-alive client the moment it had the last body byte,
 * while the worker has yet to hand over the end-of-response marker) waits in {@code pending}. Were
 * it dispatched at once, its worker's response head would meet the HTTP encoder mid-response and
 * the client would read garbage.
 *
 * <p>Thread-safety: every field is owned by the event loop; the worker holds its own references
 * and reports the response's end through the write's listener, which runs on the event loop.
 */
final class S3ChannelHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(S3ChannelHandler.class);
    private static final int STEP = 64 * 1024;
    /** Messages a client may pipeline behind a response still being written before it is cut off. */
    static final int MAX_PENDING = 256;

    private final S3Gateway gateway;
    private final ExecutorService workers;
    private final ListenerGuards guards;
    private final S3Config config;
    /** The body of the request in progress while it is still arriving; null once it ended (or for none). */
    private RequestBody body;
    /** True from a request's head until its response is written: the idle timer then does not close the connection. */
    private boolean responding;
    private final NoBodyTrailer trailer = new NoBodyTrailer();
    private final ArrayDeque<Object> pending = new ArrayDeque<>();

    S3ChannelHandler(S3Gateway gateway, ExecutorService workers, ListenerGuards guards, S3Config config) {
        this.gateway = gateway;
        this.workers = workers;
        this.guards = guards;
        this.config = config;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (pending.isEmpty() && trailer.swallow(msg)) {
            return;
        }
        if (holding()) {
            if (pending.size() >= MAX_PENDING) {
                ReferenceCountUtil.release(msg);
                LOG.debug("S3 connection {} pipelined more than {} messages; closing it", ctx.channel().remoteAddress(), MAX_PENDING);
                ctx.close();
                return;
            }
            pending.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        handle(ctx, msg);
    }

    /** A response is being written and its request's body has ended: what arrives now belongs to the next request. */
    private boolean holding() {
        return responding && body == null;
    }

    private void handle(ChannelHandlerContext ctx, Object msg) {
        if (trailer.swallow(msg)) {
            return;
        }
        try {
            if (msg instanceof HttpRequest req) {
                start(ctx, req);
            }
            if (msg instanceof HttpContent content) {
                feed(ctx, content);
            }
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(msg);
            throw e;
        }
    }

    private void start(ChannelHandlerContext ctx, HttpRequest req) {
        Channel ch = ctx.channel();
        if (!req.decoderResult().isSuccess()) {
            ReferenceCountUtil.release(req);
            writeAndClose(ch, gateway.badRequest("the request could not be parsed as HTTP/1.1"));
            return;
        }
        RequestBody b = guards.body(req, ch,
                config.maxObjectSize() + (1L << 20) + config.maxObjectSize() / 64); // aws-chunked framing on top
        responding = true;
        if (!HttpUtil.isTransferEncodingChunked(req) && HttpUtil.getContentLength(req, 0L) == 0) {
            // No body by its headers: complete now, so whether the connection stays open does not
            // depend on whether the worker or the decoder's empty end marker comes first.
            b.end();
            trailer.expect();
            body = null;
            ch.config().setAutoRead(false);
        } else {
            body = b;
        }
        String remote = String.valueOf(ch.remoteAddress());
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        try {
            workers.execute(() -> run(ctx, req, b, remote, keepAlive));
        } catch (RejectedExecutionException e) {
            body = null;
            writeAndClose(ch, gateway.slowDown());
        }
    }

    private void feed(ChannelHandlerContext ctx, HttpContent content) {
        RequestBody b = body;
        if (b == null) {
            content.release(); // the rest of a body already failed, or of a request refused
            return;
        }
        if (content.decoderResult().isFailure()) {
            content.release();
            b.abort("the request body could not be decoded (bad chunk framing)");
            body = null;
            return;
        }
        boolean full = b.offer(content.content().retain());
        content.release();
        if (content instanceof LastHttpContent) {
            b.end();
            body = null;
            ctx.channel().config().setAutoRead(false); // read nothing more until the response is out
        } else if (full) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    /**
     * On the event loop, once a kept-alive response is wholly written: the connection is free, so
     * the requests that waited are handled, and reading resumes unless one of them holds it again.
     */
    private void responseDone(ChannelHandlerContext ctx) {
        responding = false;
        while (!pending.isEmpty() && !holding()) {
            handle(ctx, pending.poll());
        }
        if (!holding() && ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        RequestBody b = body;
        if (b != null) {
            b.readComplete(); // without it, a body's last small pieces wait for the pipe's backstop poll
        }
        ctx.fireChannelReadComplete();
    }

    private void run(ChannelHandlerContext ctx, HttpRequest req, RequestBody b, String remote, boolean keepAlive) {
        Channel ch = ctx.channel();
        S3Response res = gateway.handle(req, b.stream(), remote);
        boolean reuse = keepAlive && b.drained();
        try {
            write(ctx, req, res, reuse);
        } catch (IOException e) {
            LOG.debug("S3 response to {} ended early: {}", remote, e.getMessage());
            ch.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ch.close();
        } finally {
            if (res.stream != null) {
                try {
                    res.stream.close();
                } catch (IOException e) {
                    LOG.debug("closing a download: {}", e.getMessage());
                }
            }
            if (!b.drained()) {
                b.abort("the response was sent before the body was read");
            }
            b.discard();
        }
    }

    private void write(ChannelHandlerContext ctx, HttpRequest req, S3Response res, boolean keepAlive)
            throws IOException, InterruptedException {
        Channel ch = ctx.channel();
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(res.status));
        for (Map.Entry<String, String> h : res.headers.entrySet()) {
            head.headers().set(h.getKey(), h.getValue());
        }
        boolean headRequest = req.method().name().equals("HEAD");
        long length = res.stream != null ? res.streamLength : res.body.length;
        if (length < 0) {
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked"); // a KeepAliveBody: its length is not known yet
        } else if (!head.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            head.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        head.headers().set("x-amz-request-id", res.headers.getOrDefault("x-amz-request-id", "0"));
        head.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? "keep-alive" : "close");
        ch.write(head);
        if (!headRequest) {
            if (res.stream != null) {
                InputStream in = res.stream;
                byte[] buf = new byte[STEP];
                boolean unknown = res.streamLength < 0;
                long left = unknown ? Long.MAX_VALUE : res.streamLength;
                while (left > 0) {
                    int n = unknown ? in.read(buf, 0, buf.length) : in.readNBytes(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0 && unknown) {
                        break;
                    }
                    if (n <= 0) {
                        throw new IOException("the object ended " + left + " bytes early");
                    }
                    left -= n;
                    ChannelFuture f = ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(buf, 0, n)));
                    if (!ch.isWritable()) {
                        f.await(guards.writeStall().toMillis());
                        if (!f.isSuccess()) {
                            throw new IOException("the client stopped reading");
                        }
                    }
                    if (!ch.isActive()) {
                        throw new IOException("the client closed the connection");
                    }
                }
            } else if (res.body.length > 0) {
                ch.write(new DefaultHttpContent(Unpooled.wrappedBuffer(res.body)));
            }
        }
        ch.writeAndFlush(new DefaultLastHttpContent()).addListener(f -> {
            if (keepAlive && f.isSuccess()) {
                responseDone(ctx);
            } else {
                ch.close();
            }
        });
    }

    private void writeAndClose(Channel ch, S3Response res) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(res.status));
        res.headers.forEach((k, v) -> head.headers().set(k, v));
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, res.body.length);
        head.headers().set(HttpHeaderNames.CONNECTION, "close");
        ch.write(head);
        ch.writeAndFlush(new DefaultLastHttpContent(Unpooled.wrappedBuffer(res.body))).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            // A request in progress has its own bounds (the body pipe's stall and minimum rate, the write stall).
            ListenerGuards.closeIfIdle(ctx, responding);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (body != null) {
            body.abort("the client closed the connection before the body ended");
            body = null;
        }
        Object o;
        while ((o = pending.poll()) != null) {
            ReferenceCountUtil.release(o);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("S3 connection {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
        ctx.close();
    }
}
