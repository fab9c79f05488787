package io.stoq.fragmint.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * Answers {@code Expect: 100-continue} on HTTP/1.1: {@code 100 Continue} when the body may come,
 * or at once the final 413 problem when the declared Content-Length is already over the route's
 * limit (then the connection closes: the decoder would otherwise read the next request as the
 * body the client never sends).
 *
 * <p>Replaces Netty's {@code HttpServerExpectContinueHandler}, which parsed the Content-Length
 * again without guarding against the values the decoder had already refused ({@code 1e3},
 * {@code 0x10}, empty, 2^63): the exception closed the connection with no answer at all. Here a
 * request the decoder marked as failed passes through untouched and {@link RequestHandler}
 * answers it 400, and no {@code 100 Continue} is ever sent for it. A route that takes no body (or
 * no route at all) gets no {@code 100} either: its final answer comes straight away, as RFC 9110
 * section 10.1.1 allows, and the connection closes after it because the body was never read.
 *
 * <p>Stateless; one instance per connection (not sharable because Netty's pipeline contract for
 * inbound adapters is per channel here).
 */
final class ExpectContinueHandler extends ChannelInboundHandlerAdapter {
    private final Dispatcher dispatcher;

    ExpectContinueHandler(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req && req.decoderResult().isSuccess()
                && HttpUtil.is100ContinueExpected(req) && dispatcher.takesBody(req)) {
            long declared = HttpUtil.getContentLength(req, -1L);
            if (declared > dispatcher.bodyLimit(req)) {
                ReferenceCountUtil.release(msg);
                ctx.writeAndFlush(dispatcher.expectRejection(req)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            FullHttpResponse accept = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER);
            ctx.writeAndFlush(accept).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            req.headers().remove(HttpHeaderNames.EXPECT);
        }
        ctx.fireChannelRead(msg);
    }
}
