package io.stoq.fragmint.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.AssetContent;
import io.stoq.fragmint.port.AssetMetadata;
import io.stoq.fragmint.port.ContentDigest;
import io.stoq.fragmint.route.Reply;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.IntSupplier;

/**
 * Renders {@link Reply}s and problems onto a request's channel from a worker thread. Adds the
 * headers every response carries ({@code X-Request-Id}, {@code X-Content-Type-Options: nosniff},
 * {@code Alt-Svc} advertising HTTP/3 on TCP connections) and streams content in 64 KiB steps
 * gated on channel writability ({@link ContentPump}), with the download headers of
 * {@link DownloadHeaders}.
 *
 * <p>ByteBuf ownership: each buffer allocated here is handed to {@code writeAndFlush}, which
 * releases it. Thread-safe (stateless apart from configuration).
 */
final class ResponseWriter {
    static final int CHUNK = 64 * 1024;

    private final ApiMetrics metrics;
    private final IntSupplier http3Port;
    private final EventsSocket events;
    private final Executor workers;
    private final Duration writeStall;

    /**
     * @param workers where a download continues after its client caught up
     * @param writeStall how long a download may wait for a client that does not read
     */
    ResponseWriter(ApiMetrics metrics, IntSupplier http3Port, EventsSocket events, Executor workers,
            Duration writeStall) {
        this.metrics = metrics;
        this.http3Port = http3Port;
        this.events = events;
        this.workers = workers;
        this.writeStall = writeStall;
    }

    /** Writes {@code reply}; returns the HTTP status sent. */
    int write(HttpExchange ex, RequestHandler handler, Reply reply) throws IOException {
        if (reply instanceof Reply.Json j) {
            send(ex, handler, j.status(), "application/json", Json.bytes(j.body()), j.headers());
            return j.status();
        }
        if (reply instanceof Reply.Bytes b) {
            send(ex, handler, b.status(), b.contentType(), b.body(), b.headers());
            return b.status();
        }
        if (reply instanceof Reply.Empty e) {
            send(ex, handler, e.status(), null, new byte[0], e.headers());
            return e.status();
        }
        if (reply instanceof Reply.Content c) {
            return stream(ex, handler, c);
        }
        Reply.WebSocket ws = (Reply.WebSocket) reply;
        return events.upgrade(ex, handler, ws.afterSeq(), this);
    }

    /** Sends a problem, or, when the response already started, aborts the stream. */
    void problem(HttpExchange ex, RequestHandler handler, ApiError error, String detail,
            Map<String, String> headers) {
        if (!ex.startResponse(error.status())) {
            handler.dispatcher().completed(ex);
            ex.ctx.close();
            return;
        }
        FullHttpResponse res = full(error.status(), Problems.MEDIA_TYPE,
                Json.bytes(Problems.body(error, detail, ex.requestId)), ex.isHead());
        res.headers().set("X-Request-Id", ex.requestId);
        res.headers().set("X-Content-Type-Options", "nosniff");
        headers.forEach(res.headers()::set);
        if (error == ApiError.UNAUTHENTICATED) {
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"stoq\"");
        } else if (error == ApiError.TOTP_REQUIRED) {
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE,
                    "Bearer realm=\"stoq\", error=\"insufficient_user_authentication\", "
                            + "error_description=\"TOTP second factor required\"");
        }
        finish(ex, handler, res);
    }

    /** A problem for a request that never became an exchange (codec failure); closes after. */
    void rawProblem(ChannelHandlerContext ctx, HttpExchange.Protocol protocol, ApiError error,
            String detail, String requestId) {
        FullHttpResponse res = problemResponse(error, detail, requestId);
        if (protocol == HttpExchange.Protocol.HTTP_1_1) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }

    /** A complete problem response, for paths that write outside an exchange. */
    FullHttpResponse problemResponse(ApiError error, String detail, String requestId) {
        FullHttpResponse res = full(error.status(), Problems.MEDIA_TYPE,
                Json.bytes(Problems.body(error, detail, requestId)), false);
        res.headers().set("X-Request-Id", requestId);
        res.headers().set("X-Content-Type-Options", "nosniff");
        return res;
    }

    private void send(HttpExchange ex, RequestHandler handler, int status, String contentType,
            byte[] body, Map<String, String> headers) throws IOException {
        if (!ex.startResponse(status)) {
            throw new IOException("response already started");
        }
        FullHttpResponse res = full(status, contentType, body, ex.isHead());
        common(ex, res.headers());
        if ("application/json".equals(contentType)) {
            res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        }
        headers.forEach(res.headers()::set);
        finish(ex, handler, res);
    }

    /**
     * Writes the response head, then hands the body to a {@link ContentPump}, which owns the
     * content from then on and never holds a worker while the client is slow.
     */
    private int stream(HttpExchange ex, RequestHandler handler, Reply.Content c) throws IOException {
        AssetContent content = c.content();
        boolean handedOver = false;
        try {
            AssetMetadata m = content.metadata();
            long length = content.range() == null ? 0 : content.range().length();
            int status = c.partial() ? 206 : 200;
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
            HttpHeaders h = head.headers();
            common(ex, h);
            String type = DownloadHeaders.contentType(m.contentType());
            h.set(HttpHeaderNames.CONTENT_TYPE, type);
            h.set(HttpHeaderNames.CONTENT_DISPOSITION,
                    DownloadHeaders.disposition(DownloadHeaders.inline(type), m.name(), m.id()));
            h.set("Content-Security-Policy", "sandbox");
            h.set(HttpHeaderNames.CONTENT_LENGTH, length);
            h.set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
            h.set("X-Stoq-Version", m.version());
            ContentDigest digest = m.digest();
            h.set(digest.headerName(), digest.hex());
            String repr = digest.reprDigest();
            if (repr != null) { // of the whole version, also on a 206 (RFC 9530 s.3)
                h.set("Repr-Digest", repr);
            }
            if (c.partial()) {
                h.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + content.range().first() + "-"
                        + content.range().last() + "/" + m.size());
            }
            c.headers().forEach(h::set);
            if (ex.isHead()) { // the head a GET would send; the content stays closed
                if (!ex.startResponse(status)) {
                    throw new IOException("response already started");
                }
                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, head.status(), Unpooled.EMPTY_BUFFER);
                res.headers().set(h);
                finish(ex, handler, res);
                return status;
            }
            boolean close = closeAfter(ex, h);
            if (!ex.startResponse(status)) {
                throw new IOException("response already started");
            }
            ex.ctx.write(head);
            handedOver = true;
            new ContentPump(ex, handler, content, length, close, metrics, workers, writeStall).run();
            return status;
        } finally {
            if (!handedOver) {
                content.close();
            }
        }
    }

    private void finish(HttpExchange ex, RequestHandler handler, FullHttpResponse res) {
        boolean close = closeAfter(ex, res.headers());
        ex.ctx.writeAndFlush(res).addListener(f -> handler.exchangeDone(ex.ctx, ex, close || !f.isSuccess()));
    }

    /** HTTP/1.1: close when the client asked or when the request body was not read to its end. */
    private static boolean closeAfter(HttpExchange ex, HttpHeaders h) {
        if (ex.protocol != HttpExchange.Protocol.HTTP_1_1) {
            return false;
        }
        boolean close = !HttpUtil.isKeepAlive(ex.request) || !ex.pipe.isComplete();
        if (close) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return close;
    }

    private void common(HttpExchange ex, HttpHeaders h) {
        h.set("X-Request-Id", ex.requestId);
        // No response of this API is ever to be content-sniffed (downloads above all).
        h.set("X-Content-Type-Options", "nosniff");
        int port = http3Port.getAsInt();
        if (port > 0 && ex.protocol != HttpExchange.Protocol.H3) {
            h.set("Alt-Svc", "h3=\":" + port + "\"; ma=86400");
        }
    }

    /**
     * A complete response; for a HEAD request ({@code head}) without the body but with the
     * Content-Length the body has (RFC 9110 9.3.2), on every HTTP version (HTTP/2 and HTTP/3
     * would otherwise send the bytes as DATA frames).
     */
    private static FullHttpResponse full(int status, String contentType, byte[] body, boolean head) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        if (contentType != null) {
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        if (status != 204 && status != 304) {
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
        return res;
    }
}
