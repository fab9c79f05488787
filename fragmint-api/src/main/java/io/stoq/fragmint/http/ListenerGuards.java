package io.stoq.fragmint.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The REST listener's protections, for another HTTP/1.1 facade on a port of its own (the S3
 * gateway), so both listeners bound a client the same way and there is one body pipe:
 * <ul>
 *   <li>open connections, in total and per client address ({@link ConnectionLimiter});
 *   <li>the time to send a request head, from the first byte of the connection or of each later
 *       request ({@link HeaderTimeout});
 *   <li>the idle timeout, which closes a connection only when no request is in progress on it
 *       ({@link #closeIfIdle});
 *   <li>request bodies through a {@link BodyPipe}: bounded memory, the stall timeout and the
 *       minimum upload rate ({@link #body}).
 * </ul>
 *
 * <pre>
 * limit | head-clock | idle | [TLS] | HttpServerCodec | head-stop | (the facade's handlers)
 * </pre>
 *
 * <p>Thread-safe: the connection counts are atomic; the rest is immutable.
 */
public final class ListenerGuards {
    private final ApiServerConfig.Limits limits;
    private final ApiServerConfig.Timeouts timeouts;
    private final ApiMetrics metrics = new ApiMetrics();
    private final ConnectionLimiter limiter;

    public ListenerGuards(ApiServerConfig.Limits limits, ApiServerConfig.Timeouts timeouts) {
        this.limits = limits;
        this.timeouts = timeouts;
        this.limiter = new ConnectionLimiter(limits.maxConnections(), limits.maxConnectionsPerAddress(), metrics);
    }

    /** Adds the guards and the HTTP/1.1 codec to a new connection's pipeline; the caller adds its handlers after. */
    public void http1(Channel ch, SslContext tls) {
        ch.config().setWriteBufferWaterMark(Pipelines.WATER_MARK);
        HeaderTimeout headers = new HeaderTimeout(timeouts.header(), metrics);
        ChannelPipeline p = ch.pipeline();
        p.addLast("limit", limiter);
        p.addLast("head-clock", headers.bytes());
        p.addLast("idle", new IdleStateHandler(0, 0, timeouts.idle().toMillis(), TimeUnit.MILLISECONDS));
        if (tls != null) {
            p.addLast("tls", tls.newHandler(ch.alloc()));
        }
        p.addLast("codec", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxHeaderSize((int) limits.maxHeaderSize().bytes()).setMaxInitialLineLength(16 * 1024)
                .setMaxChunkSize(64 * 1024)));
        p.addLast("head-stop", headers.heads(false));
    }

    /**
     * A body for {@code req} arriving on {@code ch}, at most {@code limit} bytes, held to the
     * minimum upload rate; reading the socket resumes on {@code ch}'s event loop when the reader
     * has drained it.
     */
    public RequestBody body(HttpRequest req, Channel ch, long limit) {
        BodyPipe pipe = new BodyPipe(HttpExchange.declaredLength(req), limit,
                () -> ch.eventLoop().execute(() -> ch.config().setAutoRead(true)), timeouts.idle());
        pipe.minRate(limits.uploadMinRate(), metrics::slowBodyCut);
        return new RequestBody(pipe);
    }

    /** On an idle event: closes the connection unless a request is in progress on it. */
    public static void closeIfIdle(ChannelHandlerContext ctx, boolean requestInProgress) {
        Pipelines.closeIfIdle(ctx, requestInProgress);
    }

    /** Connections holding a slot now. */
    public int openConnections() {
        return limiter.open();
    }

    /** How long a response may wait for a client that does not read. */
    public java.time.Duration writeStall() {
        return timeouts.writeStall();
    }
}
