package io.stoq.fragmint.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.stoq.fragmint.auth.AccessControl;
import io.stoq.fragmint.auth.SecondFactorLockedException;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AuditLog;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.BodyAbortedException;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.route.Reply;
import io.stoq.fragmint.route.Route;
import io.stoq.fragmint.route.RouteTable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each request on a worker thread: route match, rate limits, authentication, role and TOTP
 * checks, the handler, the response, then one audit record per access decision. Every failure
 * becomes a problem+json; an unexpected exception is logged with the request id and answered 500
 * without details.
 *
 * <p>Thread-safe: immutable apart from the request counter.
 */
final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final RouteTable routes;
    private final AccessControl access;
    private final RateLimiter perAccount;
    private final RateLimiter perAddress;
    private final AuditLog audit;
    private final ApiMetrics metrics;
    private final ExecutorService workers;
    private final ExecutorService uploads;
    private final ApiServerConfig config;
    private final Clock clock;
    private final ResponseWriter writer;
    private final AtomicLong requestCounter = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final String idPrefix = Long.toString(System.nanoTime() & 0xffffff, 36);

    /**
     * @param workers runs requests without a streamed body (and JSON requests once their body is in)
     * @param uploads runs asset uploads, whose handlers wait on the client's body as it arrives
     */
    Dispatcher(RouteTable routes, AccessControl access, AuditLog audit, ApiMetrics metrics,
            ExecutorService workers, ExecutorService uploads, ApiServerConfig config, Clock clock,
            ResponseWriter writer) {
        this.routes = routes;
        this.access = access;
        this.audit = audit;
        this.metrics = metrics;
        this.workers = workers;
        this.uploads = uploads;
        this.config = config;
        this.clock = clock;
        this.writer = writer;
        this.perAccount = new RateLimiter(config.rates().perAccount(), config.rates().burst());
        this.perAddress = new RateLimiter(config.rates().perAddress(), 2L * config.rates().perAddress());
    }

    long maxJson() {
        return config.limits().maxJsonBody().bytes();
    }

    Duration bodyReadTimeout() {
        return config.timeouts().idle();
    }

    String nextRequestId() {
        return idPrefix + "-" + requestCounter.incrementAndGet();
    }

    /** Body byte limit for a request, decided on the event loop before any body byte is queued. */
    long bodyLimit(HttpRequest req) {
        Route r = routeOf(req);
        return r != null && r.request().shape() == Route.Shape.BINARY ? config.limits().maxUploadSize().bytes() : maxJson();
    }

    /** True when the request's route streams its body to the service (uploads). */
    boolean streamsBody(HttpRequest req) {
        Route r = routeOf(req);
        return r != null && r.request().shape() == Route.Shape.BINARY;
    }

    /** True when the request's route reads a request body at all. */
    boolean takesBody(HttpRequest req) {
        Route r = routeOf(req);
        return r != null && r.request().shape() != Route.Shape.NONE;
    }

    private Route routeOf(HttpRequest req) {
        try {
            return routes.match(req.method().name(), new QueryStringDecoder(req.uri()).rawPath()).route();
        } catch (ApiException e) {
            return null;
        }
    }

    DataSize maxHeaderSize() {
        return config.limits().maxHeaderSize();
    }

    /** The 413 sent instead of {@code 100 Continue} when the declared body is over the limit. */
    io.netty.handler.codec.http.FullHttpResponse expectRejection(HttpRequest req) {
        String id = nextRequestId();
        io.netty.handler.codec.http.FullHttpResponse res = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                io.netty.handler.codec.http.HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                io.netty.buffer.Unpooled.wrappedBuffer(Json.bytes(Problems.body(ApiError.PAYLOAD_TOO_LARGE,
                        "declared body of " + io.netty.handler.codec.http.HttpUtil.getContentLength(req, -1L)
                                + " bytes exceeds the limit of " + bodyLimit(req) + " bytes", id))));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, Problems.MEDIA_TYPE);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
        res.headers().set("X-Request-Id", id);
        res.headers().set(HttpHeaderNames.CONNECTION, "close");
        return res;
    }

    /** Answers a request the codec could not parse (no exchange exists). */
    void rejectUnparseable(ChannelHandlerContext ctx, HttpExchange.Protocol protocol, ApiError error,
            String detail) {
        writer.rawProblem(ctx, protocol, error, detail, nextRequestId());
    }

    /** Exchanges dispatched whose response is not yet fully written (and whose client is still there). */
    int inFlight() {
        return inFlight.get();
    }

    /** Called once per exchange when nothing more will be written for it. */
    void completed(HttpExchange ex) {
        if (ex.complete()) {
            inFlight.decrementAndGet();
        }
    }

    /**
     * Hands the exchange to a worker, choosing the pool so that no shared worker waits on a slow
     * client: an upload (streamed body) runs on the upload pool, with the body's minimum rate
     * enforced; a JSON request is buffered (up to its limit) and runs only once its body is
     * complete; anything else runs at once.
     */
    void dispatch(HttpExchange ex, RequestHandler handler) {
        inFlight.incrementAndGet();
        metrics.started();
        ex.pipe.minRate(config.limits().uploadMinRate(), metrics::slowBodyCut);
        Route.Shape shape = requestShape(ex);
        if (shape == Route.Shape.BINARY) {
            submit(uploads, ex, handler, "too many uploads in progress, retry shortly");
        } else if (shape != Route.Shape.NONE) {
            ex.pipe.bufferWhole();
            ex.pipe.whenDone(() -> submit(workers, ex, handler, "server is busy, retry shortly"));
        } else {
            submit(workers, ex, handler, "server is busy, retry shortly");
        }
    }

    private void submit(ExecutorService pool, HttpExchange ex, RequestHandler handler, String busy) {
        try {
            pool.execute(() -> run(ex, handler));
        } catch (RejectedExecutionException e) {
            ex.pipe.abort(ApiError.UNAVAILABLE, "server busy");
            writer.problem(ex, handler, ApiError.UNAVAILABLE, busy, Map.of());
            metrics.finished("unmatched", ex.request.method().name(), 503, ex.protocol.tag, Duration.ZERO, 0);
        }
    }

    /** The matched route's request body shape; NONE when no route matches (the worker answers that). */
    private Route.Shape requestShape(HttpExchange ex) {
        try {
            return routes.match(ex.request.method().name(), ex.path).route().request().shape();
        } catch (ApiException e) {
            return Route.Shape.NONE;
        }
    }

    private void run(HttpExchange ex, RequestHandler handler) {
        long start = System.nanoTime();
        String method = ex.request.method().name();
        Decision d = new Decision(ex, method);
        ex.beforeHead(d);
        int status;
        try {
            if (ex.malformed() != null) {
                throw ApiException.badRequest(ex.malformed());
            }
            RouteTable.Match m = routes.match(method, ex.path);
            ex.bind(m);
            Route route = m.route();
            d.operation = route.operationId();
            if (route.isPublic()) {
                d.outcome = AuditRecord.Outcome.PUBLIC;
            } else {
                d.outcome = AuditRecord.Outcome.DENIED_RATE_LIMITED;
                limit(perAddress, "ip:" + ConnectionLimiter.key(ex.remote));
                d.outcome = AuditRecord.Outcome.DENIED_UNAUTHENTICATED;
                Caller c = access.authenticate(ex.request.headers().get(HttpHeaderNames.AUTHORIZATION));
                ex.caller(c);
                d.outcome = AuditRecord.Outcome.DENIED_RATE_LIMITED;
                limit(perAccount, "acct:" + c.accountId());
                d.outcome = AuditRecord.Outcome.DENIED_FORBIDDEN;
                ex.caller(access.authorize(c, route.permission(), false, null));
                route.guard().check(ex); // the route's target check, before the second factor
                d.outcome = AuditRecord.Outcome.DENIED_SECOND_FACTOR;
                ex.caller(access.authorize(c, route.permission(), route.secondFactor(),
                        ex.request.headers().get(AccessControl.TOTP_HEADER)));
                d.outcome = AuditRecord.Outcome.ALLOWED;
            }
            if (route.request().shape() == Route.Shape.BINARY) {
                ex.newContent();
                long declared = ex.newContent().declaredLength().orElse(0);
                if (declared > config.limits().maxUploadSize().bytes()) {
                    throw new ApiException(ApiError.PAYLOAD_TOO_LARGE, "upload of " + declared
                            + " bytes exceeds the limit of " + config.limits().maxUploadSize());
                }
            }
            Reply reply = route.handler().handle(ex);
            status = writer.write(ex, handler, reply);
        } catch (ApiException e) {
            if (d.outcome == AuditRecord.Outcome.ALLOWED && (e.error() == ApiError.TOTP_REQUIRED
                    || e instanceof SecondFactorLockedException)) {
                d.outcome = AuditRecord.Outcome.DENIED_SECOND_FACTOR; // a step-up inside the handler failed
            }
            Map<String, String> headers = Map.of();
            if (e instanceof RateLimitedException r) {
                headers = Map.of("Retry-After", Long.toString(r.retryAfterSeconds));
            } else if (e instanceof SecondFactorLockedException l) {
                headers = Map.of("Retry-After", Long.toString(l.retryAfterSeconds()));
            } else if (e instanceof io.stoq.fragmint.route.RangeHeader.Unsatisfiable u) {
                headers = Map.of("Content-Range", "bytes */" + u.size());
            } else if (e.error() == ApiError.METHOD_NOT_ALLOWED) {
                headers = Map.of("Allow", String.join(", ", routes.methodsFor(ex.path)));
            }
            status = fail(ex, handler, e.error(), e.getMessage(), headers);
        } catch (BodyAbortedException e) {
            status = fail(ex, handler, e.reason(), e.getMessage(), Map.of());
        } catch (IOException e) {
            BodyAbortedException aborted = ex.pipe.failure();
            if (aborted != null) {
                status = fail(ex, handler, aborted.reason(), aborted.getMessage(), Map.of());
            } else {
                LOG.warn("request {} {} {} failed: {}", ex.requestId, method, ex.path, e.toString());
                status = fail(ex, handler, ApiError.INTERNAL, "internal I/O error (request "
                        + ex.requestId + ")", Map.of());
            }
        } catch (RuntimeException | Error e) {
            LOG.error("request {} {} {} failed", ex.requestId, method, ex.path, e);
            status = fail(ex, handler, ApiError.INTERNAL, "internal error (request " + ex.requestId
                    + ")", Map.of());
        }
        metrics.finished(d.operation, method, status, ex.protocol.tag,
                Duration.ofNanos(System.nanoTime() - start), ex.pipe.received());
        d.record(status); // when no head went out (the connection was gone first)
    }

    /**
     * One request's audit decision, recorded once: just before its response head is written (so an
     * answered request is audited durably before the client sees the answer, and the client's
     * next request finds it), or at the end of {@link #run} when no head went out.
     */
    private final class Decision implements java.util.function.IntConsumer {
        private final HttpExchange ex;
        private final String method;
        private String operation = "unmatched";
        private AuditRecord.Outcome outcome;
        private boolean recorded;

        Decision(HttpExchange ex, String method) {
            this.ex = ex;
            this.method = method;
        }

        @Override
        public void accept(int status) {
            record(status);
        }

        synchronized void record(int status) {
            if (recorded) {
                return;
            }
            recorded = true;
            AuditRecord.Outcome o = outcome;
            if (o == AuditRecord.Outcome.ALLOWED && ex.isAdminOverride()) {
                o = AuditRecord.Outcome.ALLOWED_ADMIN_OVERRIDE;
            }
            if (o != null && o != AuditRecord.Outcome.PUBLIC) {
                Dispatcher.this.record(ex, operation, method, o, status);
            }
        }
    }

    private int fail(HttpExchange ex, RequestHandler handler, ApiError error, String detail,
            Map<String, String> headers) {
        writer.problem(ex, handler, error, detail, headers);
        return error.status();
    }

    private void limit(RateLimiter limiter, String key) throws ApiException {
        long wait = limiter.tryAcquire(key);
        if (wait > 0) {
            throw new RateLimitedException(wait);
        }
    }

    private void record(HttpExchange ex, String operation, String method, AuditRecord.Outcome outcome,
            int status) {
        Caller c = ex.caller();
        try {
            audit.append(new AuditRecord(0, clock.instant(), c == null ? "anonymous" : c.accountId(),
                    c == null ? null : c.credentialId(), operation, method, ex.path, outcome, status,
                    ex.remote));
        } catch (ApiException | RuntimeException e) {
            LOG.error("audit append failed for request {}: {}", ex.requestId, e.toString());
        }
    }

    /** 429 with the time to wait. */
    static final class RateLimitedException extends ApiException {
        private static final long serialVersionUID = 1L;
        final long retryAfterSeconds;

        RateLimitedException(long retryAfterSeconds) {
            super(ApiError.RATE_LIMITED, "rate limit exceeded: retry after " + retryAfterSeconds + " s");
            this.retryAfterSeconds = retryAfterSeconds;
        }
    }
}
