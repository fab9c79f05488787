package io.stoq.fragmint.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Netty's HTTP/1.1 client for the FragMint API, used by {@code stoq bench uploads} and {@code stoq
 * bench node}: one kept-alive plain-HTTP connection, one request at a time; request bodies
 * streamed from an InputStream ({@link RequestBodies}), response bodies streamed into an
 * OutputStream on the event loop, as {@link Http3Client} does. Many clients share one event loop
 * ({@link #eventLoop}), and the codec is the server's own, which the JIT has already compiled.
 * The JDK's {@code HttpClient} it replaces ran a selector thread per client: in a 15 s run of
 * {@code stoq bench uploads} on 2 cores, its threads took 9% of a core and compiling its code
 * 1.2 s of the C2 compiler's time, all of it taken from the node measured.
 *
 * <p>A second {@link #exchange} while one is outstanding is refused; meant to be driven by one
 * thread at a time.
 */
public final class Http1Client implements AutoCloseable {
    /** A response: its status and whole body. */
    public record Response(int status, byte[] body) {}

    /** A streamed response: its status and how many body bytes went to the sink. */
    public record Result(int status, long bodyBytes) {}

    /** One outstanding request: where its response body goes, and its outcome. */
    private static final class Exchange {
        final CompletableFuture<Result> done = new CompletableFuture<>();
        final OutputStream sink;
        int status;
        long bytes;

        Exchange(OutputStream sink) {
            this.sink = sink;
        }
    }

    private final Channel channel;
    private final String host;
    private final int maxResponseBytes;
    private final AtomicReference<Exchange> pending = new AtomicReference<>();

    /** An event loop for clients to share (one thread); the caller closes it after its clients. */
    public static EventLoopGroup eventLoop() {
        return new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    /**
     * Connects to {@code server} (plain HTTP/1.1) on {@code group}.
     *
     * @param maxResponseBytes a larger body fails {@link #send} (which holds bodies in memory) and
     *     closes the connection; {@link #exchange} streams any size into its sink
     */
    public Http1Client(EventLoopGroup group, InetSocketAddress server, int maxResponseBytes) throws IOException, InterruptedException {
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new Responses());
                    }
                });
        var connect = b.connect(server).await();
        if (!connect.isSuccess()) {
            throw new IOException("cannot connect to " + server + ": " + connect.cause(), connect.cause());
        }
        this.channel = connect.channel();
        this.host = server.getHostString() + ":" + server.getPort();
        this.maxResponseBytes = maxResponseBytes;
    }

    /**
     * Sends one request with {@code body} (empty for none) and waits for its whole response, at
     * most {@code maxResponseBytes} of body.
     *
     * @throws IOException the connection failed or closed, or the response was too large; the
     *     client is unusable afterwards
     * @throws TimeoutException no response within {@code timeout}; the connection is closed
     * @throws IllegalStateException another request is still outstanding
     */
    public Response send(HttpMethod method, String path, Map<String, String> headers, byte[] body, Duration timeout)
            throws IOException, TimeoutException, InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                if (count + len > maxResponseBytes) {
                    throw new IllegalStateException("response body over " + maxResponseBytes + " bytes");
                }
                super.write(b, off, len);
            }
        };
        Result r = exchange(method, path, headers, new ByteArrayInputStream(body), body.length, out, timeout);
        return new Response(r.status(), out.toByteArray());
    }

    /**
     * Sends one request whose body, {@code length} bytes, is read from {@code body} (null for
     * none), and streams the response body into {@code sink} on the event loop.
     *
     * @throws IOException the connection failed or closed, reading the body failed or it did not
     *     have {@code length} bytes, or the sink refused a write; the client is unusable afterwards
     * @throws TimeoutException no whole response within {@code timeout}; the connection is closed
     * @throws IllegalStateException another request is still outstanding
     */
    public Result exchange(HttpMethod method, String path, Map<String, String> headers, InputStream body, long length,
            OutputStream sink, Duration timeout) throws IOException, TimeoutException, InterruptedException {
        Exchange x = new Exchange(sink);
        if (!pending.compareAndSet(null, x)) {
            throw new IllegalStateException("a request is already outstanding on this connection");
        }
        try {
            if (!channel.isActive()) {
                throw new IOException("the connection to " + host + " is closed");
            }
            HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, path);
            request.headers().set(HttpHeaderNames.HOST, host);
            headers.forEach((k, v) -> request.headers().set(k, v));
            HttpUtil.setContentLength(request, body == null ? 0 : length);
            // A failed write closes the connection, and the close fails the exchange unless a
            // response came first: a server may answer (401, 413) and hang up before the body is
            // sent, and that answer is the one to report.
            ChannelFutureListener closeOnFailure = f -> {
                if (!f.isSuccess()) {
                    f.channel().close();
                }
            };
            channel.writeAndFlush(request).addListener(closeOnFailure);
            if (body != null) {
                CountingStream counted = new CountingStream(body);
                try {
                    RequestBodies.write(channel, counted);
                } catch (IOException | InterruptedException | RuntimeException e) {
                    channel.close(); // half a request is on the wire: this connection cannot carry another
                    throw e;
                }
                if (counted.count != length && channel.isActive()) {
                    channel.close(); // the server is waiting for bytes that will not come
                    throw new IOException("the request body had " + counted.count + " bytes, not the " + length + " announced");
                }
            }
            channel.writeAndFlush(new DefaultLastHttpContent()).addListener(closeOnFailure);
            return x.done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
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

    /** Counts what a request body yields, to check it against the length announced. */
    private static final class CountingStream extends InputStream {
        private final InputStream in;
        long count;

        CountingStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            count += Math.max(0, n);
            return n;
        }
    }

    /** Feeds each response to the outstanding exchange; fails it when the connection ends. */
    private final class Responses extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws IOException {
            Exchange x = pending.get();
            if (x == null) {
                ctx.close(); // nothing was asked: the server is out of step with this connection
                return;
            }
            if (msg.decoderResult().isFailure()) {
                throw new IOException("unparseable response: " + msg.decoderResult().cause(), msg.decoderResult().cause());
            }
            if (msg instanceof HttpResponse r) {
                x.status = r.status().code();
            }
            if (msg instanceof HttpContent c) {
                int len = c.content().readableBytes();
                try {
                    c.content().readBytes(x.sink, len);
                } catch (RuntimeException e) {
                    throw new IOException("the response body's sink refused it: " + e.getMessage(), e);
                }
                x.bytes += len;
                if (msg instanceof LastHttpContent) {
                    x.done.complete(new Result(x.status, x.bytes));
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(new IOException("the connection to " + host + " closed before the response ended"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause instanceof IOException io ? io : new IOException("connection to " + host + " failed: " + cause, cause));
            ctx.close();
        }

        private void fail(IOException e) {
            Exchange x = pending.get();
            if (x != null) {
                x.done.completeExceptionally(e);
            }
        }
    }
}
