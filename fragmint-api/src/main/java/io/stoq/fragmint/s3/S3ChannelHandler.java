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
import io.stoq.fragmint.http.RequestBody;
import java.io.IOException;
import java.io.InputStream;
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
 * <p>Thread-safety: {@code body} is written on the event loop only; the worker holds its own reference.
 */
final class S3ChannelHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(S3ChannelHandler.class);
    private static final int STEP = 64 * 1024;

    private final S3Gateway gateway;
    private final ExecutorService workers;
    private final ListenerGuards guards;
    private final S3Config config;
    private RequestBody body;
    /** True from a request's head until its response is written: the idle timer then does not close the connection. */
    private volatile boolean busy;

    S3ChannelHandler(S3Gateway gateway, ExecutorService workers, ListenerGuards guards, S3Config config) {
        this.gateway = gateway;
        this.workers = workers;
        this.guards = guards;
        this.config = config;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest req) {
                if (!req.decoderResult().isSuccess()) {
                    ReferenceCountUtil.release(msg);
                    writeAndClose(ctx.channel(), gateway.badRequest("the request could not be parsed as HTTP/1.1"));
                    return;
                }
                Channel ch = ctx.channel();
                RequestBody b = guards.body(req, ch,
                        config.maxObjectSize() + (1L << 20) + config.maxObjectSize() / 64); // aws-chunked framing on top
                body = b;
                busy = true;
                String remote = String.valueOf(ch.remoteAddress());
                boolean keepAlive = HttpUtil.isKeepAlive(req);
                try {
                    workers.execute(() -> run(ch, req, b, remote, keepAlive));
                } catch (RejectedExecutionException e) {
                    body = null;
                    writeAndClose(ch, gateway.slowDown());
                }
            }
            if (msg instanceof HttpContent content) {
                RequestBody b = body;
                if (b == null) {
                    content.release();
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
                if (full) {
                    ctx.channel().config().setAutoRead(false);
                }
                if (msg instanceof LastHttpContent) {
                    b.end();
                    body = null;
                }
            }
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(msg);
            throw e;
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

    private void run(Channel ch, HttpRequest req, RequestBody b, String remote, boolean keepAlive) {
        S3Response res = gateway.handle(req, b.stream(), remote);
        boolean reuse = keepAlive && b.drained();
        try {
            write(ch, req, res, reuse);
            busy = false;
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

    private void write(Channel ch, HttpRequest req, S3Response res, boolean keepAlive) throws IOException, InterruptedException {
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
        ChannelFuture last = ch.writeAndFlush(new DefaultLastHttpContent());
        if (!keepAlive) {
            last.addListener(ChannelFutureListener.CLOSE);
        }
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
            ListenerGuards.closeIfIdle(ctx, busy);
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
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("S3 connection {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
        ctx.close();
    }
}
