package io.stoq.fragmint.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The request-head deadline of one connection (or one HTTP/3 stream): a client must deliver a
 * complete request head within the timeout, counted from the connection's start (so a TLS
 * handshake counts too) and, on a keep-alive HTTP/1.1 connection, from the first byte of each
 * later request. A client that opens connections and trickles header bytes (slowloris) is closed;
 * a keep-alive connection that simply idles between requests is left to the idle timeout.
 *
 * <p>Two handlers share the state: {@link #bytes()} stands before any decoder and sees raw bytes
 * (it starts the clock); {@link #heads()} stands after the HTTP decoder and sees request heads
 * (it stops the clock) and request ends (the next byte starts it again). Once a connection turns
 * into HTTP/2, whose streams arrive with their heads complete, or into a WebSocket (a 101 goes
 * out), the deadline is switched off.
 *
 * <p>Owned by the channel's event loop.
 */
final class HeaderTimeout {
    private final long timeoutNanos;
    private final ApiMetrics metrics;
    private ScheduledFuture<?> timer;
    private boolean betweenRequests;
    private boolean off;

    HeaderTimeout(Duration timeout, ApiMetrics metrics) {
        this.timeoutNanos = timeout.toNanos();
        this.metrics = metrics;
    }

    /** The raw-bytes side: arms on connect and on the first byte after a complete request. */
    ChannelHandler bytes() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) throws Exception {
                arm(ctx);
                super.channelActive(ctx);
            }

            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                if (ctx.channel().isActive()) {
                    arm(ctx);
                }
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                if (betweenRequests && msg instanceof ByteBuf b && b.isReadable()) {
                    betweenRequests = false;
                    arm(ctx);
                }
                super.channelRead(ctx, msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                disarm();
                super.channelInactive(ctx);
            }
        };
    }

    /**
     * The decoded side: a request head stops the clock, a request's end lets the next byte start
     * it. With {@code armNow} (an HTTP/3 stream, which has no raw-bytes side) the clock starts when
     * this handler is added.
     */
    ChannelHandler heads(boolean armNow) {
        return new ChannelDuplexHandler() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                if (armNow) {
                    arm(ctx);
                }
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                if (msg instanceof HttpRequest) {
                    disarm();
                }
                if (msg instanceof LastHttpContent) {
                    betweenRequests = true;
                }
                super.channelRead(ctx, msg);
            }

            /** A 101 (WebSocket) hands the connection to another protocol: no more request heads. */
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
                if (msg instanceof HttpResponse r && r.status().code() == 101) {
                    off();
                }
                super.write(ctx, msg, promise);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent
                        || evt instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent) {
                    off();
                }
                super.userEventTriggered(ctx, evt);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                disarm();
                super.channelInactive(ctx);
            }
        };
    }

    /** Stops the deadline for good (the connection became HTTP/2 or a WebSocket). */
    void off() {
        off = true;
        disarm();
    }

    private void arm(ChannelHandlerContext ctx) {
        if (off || timer != null) {
            return;
        }
        timer = ctx.executor().schedule(() -> {
            timer = null;
            metrics.headerTimeout();
            ctx.close();
        }, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
