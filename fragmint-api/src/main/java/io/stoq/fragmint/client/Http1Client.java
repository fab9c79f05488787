package io.stoq.fragmint.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Netty's HTTP/1.1 client for the FragMint API, used by {@code stoq bench uploads} and
 * {@code stoq bench node}'s 1 KiB loop: one kept-alive plain-HTTP connection, one request at a
 * time, whole bodies both ways. Many clients share one event loop ({@link #eventLoop}), so a load
 * of 32 connections costs one thread beside the callers, and the codec is the server's own, which
 * the JIT has already compiled. The JDK's {@code HttpClient} it replaces ran a selector thread per
 * client: in a 15 s run of {@code stoq bench uploads} on 2 cores, its threads took 9% of a core
 * and compiling its code 1.2 s of the C2 compiler's time, all of it taken from the node measured.
 *
 * <p>Thread-safe in the sense that a second concurrent {@link #send} is refused; meant to be
 * driven by one thread.
 */
public final class Http1Client implements AutoCloseable {
    /** A response: its status and whole body. */
    public record Response(int status, byte[] body) {}

    private final Channel channel;
    private final String host;
    private final AtomicReference<CompletableFuture<Response>> pending = new AtomicReference<>();

    /** An event loop for clients to share (one thread); the caller closes it after its clients. */
    public static EventLoopGroup eventLoop() {
        return new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    /**
     * Connects to {@code server} (plain HTTP/1.1) on {@code group}.
     *
     * @param maxResponseBytes a larger response body fails its {@link #send} and closes the connection
     */
    public Http1Client(EventLoopGroup group, InetSocketAddress server, int maxResponseBytes) throws IOException, InterruptedException {
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(maxResponseBytes), new Responses());
                    }
                });
        var connect = b.connect(server).await();
        if (!connect.isSuccess()) {
            throw new IOException("cannot connect to " + server + ": " + connect.cause(), connect.cause());
        }
        this.channel = connect.channel();
        this.host = server.getHostString() + ":" + server.getPort();
    }

    /**
     * Sends one request with {@code body} (empty for none) and waits for its whole response.
     *
     * @throws IOException the connection failed or closed, or the response was too large; the
     *     client is unusable afterwards
     * @throws TimeoutException no response within {@code timeout}; the connection is closed
     * @throws IllegalStateException another request is still outstanding
     */
    public Response send(HttpMethod method, String path, Map<String, String> headers, byte[] body, Duration timeout)
            throws IOException, TimeoutException, InterruptedException {
        CompletableFuture<Response> answer = new CompletableFuture<>();
        if (!pending.compareAndSet(null, answer)) {
            throw new IllegalStateException("a request is already outstanding on this connection");
        }
        try {
            if (!channel.isActive()) {
                throw new IOException("the connection to " + host + " is closed");
            }
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, Unpooled.wrappedBuffer(body));
            request.headers().set(HttpHeaderNames.HOST, host);
            headers.forEach((k, v) -> request.headers().set(k, v));
            HttpUtil.setContentLength(request, body.length);
            channel.writeAndFlush(request).addListener(f -> {
                if (!f.isSuccess()) {
                    answer.completeExceptionally(new IOException("cannot send to " + host + ": " + f.cause(), f.cause()));
                }
            });
            return answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            channel.close();
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            channel.close(); // the answer may still come; this connection cannot tell it from the next one's
            throw new TimeoutException("no response from " + host + " within " + timeout);
        } finally {
            pending.set(null);
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    /** Completes the outstanding request with each response; fails it when the connection ends. */
    private final class Responses extends SimpleChannelInboundHandler<FullHttpResponse> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            CompletableFuture<Response> answer = pending.get();
            if (answer == null) {
                ctx.close(); // nothing was asked: the server is out of step with this connection
                return;
            }
            answer.complete(new Response(response.status().code(), ByteBufUtil.getBytes(response.content())));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(new IOException("the server closed the connection to " + host));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(new IOException("connection to " + host + " failed: " + cause, cause));
            ctx.close();
        }

        private void fail(IOException e) {
            CompletableFuture<Response> answer = pending.get();
            if (answer != null) {
                answer.completeExceptionally(e);
            }
        }
    }
}
