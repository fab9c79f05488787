package io.stoq.fragmint.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.NewContent;
import io.stoq.fragmint.route.Exchange;
import io.stoq.fragmint.route.RouteTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One in-flight request: the Netty side ({@link RequestHandler}) creates it on the event loop,
 * the {@link Dispatcher} runs it on a worker thread. Header and path data are immutable after
 * construction; {@code caller} and {@code match} are written and read by the worker only.
 */
final class HttpExchange implements Exchange {
    final ChannelHandlerContext ctx;
    final HttpRequest request;
    final Protocol protocol;
    final BodyPipe pipe;
    final String requestId;
    final String path;
    final String remote;
    private final Map<String, List<String>> query;
    private final String malformed;
    private final long maxJson;
    private volatile java.util.function.IntConsumer beforeHead;
    private final java.util.concurrent.atomic.AtomicBoolean responseStarted =
            new java.util.concurrent.atomic.AtomicBoolean();
    private Caller caller;
    private RouteTable.Match match;
    private volatile boolean adminOverride;

    /** The wire protocol a request came over. */
    enum Protocol {
        HTTP_1_1("http/1.1"), H2("h2"), H3("h3");

        final String tag;

        Protocol(String tag) {
            this.tag = tag;
        }
    }

    HttpExchange(ChannelHandlerContext ctx, HttpRequest request, Protocol protocol, BodyPipe pipe,
            String requestId, String remote, long maxJson) {
        this.ctx = ctx;
        this.request = request;
        this.protocol = protocol;
        this.pipe = pipe;
        this.requestId = requestId;
        this.remote = remote;
        this.maxJson = maxJson;
        QueryStringDecoder qs = new QueryStringDecoder(request.uri());
        this.path = qs.rawPath();
        Map<String, List<String>> q;
        String why = null;
        try {
            q = qs.parameters();
        } catch (IllegalArgumentException e) {
            // Netty decodes lazily and throws on a bad escape; on the event loop that used to
            // close the connection without an answer. Remember it and answer 400 instead.
            q = Map.of();
            why = "the query string has a malformed percent-escape: write '%' as %25 and escape "
                    + "other bytes as %XX with two hex digits";
        }
        this.query = q;
        this.malformed = why != null ? why : headerProblem(request, protocol);
    }

    /**
     * Headers a request may carry at most once: a second copy is ambiguous (which one did a proxy
     * check, which one do we act on?), so such requests are refused instead of "first wins".
     */
    private static final List<String> SINGLE_HEADERS = List.of("Host", "Authorization", "Content-Type",
            "Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range",
            io.stoq.fragmint.auth.AccessControl.TOTP_HEADER, "X-Stoq-Name", "Expect", "Upgrade",
            "Sec-WebSocket-Key", "Sec-WebSocket-Version");

    private static String headerProblem(HttpRequest request, Protocol protocol) {
        for (String name : SINGLE_HEADERS) {
            int n = request.headers().getAll(name).size();
            if (n > 1) {
                return "send one " + name + " header, not " + n;
            }
        }
        if (protocol == Protocol.HTTP_1_1 && !request.headers().contains(HttpHeaderNames.HOST)) {
            return "an HTTP/1.1 request needs a Host header (RFC 9112 section 3.2)";
        }
        return null;
    }

    /** Why this request is malformed (bad query escape, duplicate or missing header), or null. */
    String malformed() {
        return malformed;
    }

    private final java.util.concurrent.atomic.AtomicBoolean completed =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** Marks the exchange finished (response written, connection gone, or upgraded); true the first time. */
    boolean complete() {
        return completed.compareAndSet(false, true);
    }

    /**
     * Claims the right to write the response head with {@code status}; false when it was already
     * written. The winner runs the {@link #beforeHead} hook first, so what it records (the audit
     * record) is durable before the client can see the answer.
     */
    boolean startResponse(int status) {
        if (!responseStarted.compareAndSet(false, true)) {
            return false;
        }
        java.util.function.IntConsumer hook = beforeHead;
        if (hook != null) {
            hook.accept(status);
        }
        return true;
    }

    /** Runs {@code hook} with the status once, on the thread that starts the response, before its head is written. */
    void beforeHead(java.util.function.IntConsumer hook) {
        this.beforeHead = hook;
    }

    void bind(RouteTable.Match m) {
        this.match = m;
    }

    RouteTable.Match match() {
        return match;
    }

    void caller(Caller c) {
        this.caller = c;
    }

    @Override
    public String method() {
        return request.method().name();
    }

    /** A HEAD request: answered as its GET route, without a body. */
    boolean isHead() {
        return "HEAD".equals(request.method().name());
    }

    @Override
    public Caller caller() {
        return caller;
    }

    @Override
    public void upgradeCaller(Caller verified) {
        this.caller = verified;
    }

    @Override
    public void adminOverride() {
        this.adminOverride = true;
    }

    /** Whether a handler marked this request as an admin acting on another account's asset. */
    boolean isAdminOverride() {
        return adminOverride;
    }

    @Override
    public String pathParam(String name) {
        String v = match.params().get(name);
        if (v == null) {
            throw new IllegalArgumentException("route " + match.route().path() + " has no {" + name + "}");
        }
        return v;
    }

    @Override
    public Optional<String> query(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    @Override
    public Optional<String> header(String name) {
        return Optional.ofNullable(request.headers().get(name));
    }

    @Override
    public <T> T jsonBody(Class<T> type) throws ApiException {
        String ct = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (ct == null || !isJson(ct)) {
            throw new ApiException(ApiError.UNSUPPORTED_MEDIA_TYPE,
                    "this route takes a JSON body: send Content-Type: application/json");
        }
        byte[] body;
        try (InputStream in = pipe.stream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            body = out.toByteArray();
        } catch (io.stoq.fragmint.port.BodyAbortedException e) {
            throw new ApiException(e.reason(), e.getMessage());
        } catch (IOException e) {
            throw new ApiException(ApiError.TRUNCATED_BODY, "request body could not be read");
        }
        if (body.length == 0) {
            throw ApiException.badRequest("missing JSON body");
        }
        return JsonBodyReader.read(body, type);
    }

    long maxJson() {
        return maxJson;
    }

    private static boolean isJson(String contentType) {
        String base = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return base.equals("application/json") || (base.startsWith("application/") && base.endsWith("+json"));
    }

    @Override
    public InputStream streamBody() {
        return pipe.stream();
    }

    @Override
    public NewContent newContent() throws ApiException {
        String ct = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
        String name = request.headers().get("X-Stoq-Name");
        if (name != null && (name.isEmpty() || name.length() > 255 || name.chars().anyMatch(Character::isISOControl))) {
            throw ApiException.badRequest("X-Stoq-Name must be 1..255 characters without control characters");
        }
        if (ct.length() > 255) {
            throw ApiException.badRequest("Content-Type is longer than 255 characters");
        }
        String type = DownloadHeaders.normalize(ct);
        if (type == null) {
            throw ApiException.badRequest("Content-Type must be a media type such as image/png or "
                    + "text/plain; charset=utf-8");
        }
        OptionalLong len = declaredLength(request);
        String redundancy = request.headers().get("X-Stoq-Redundancy");
        if (redundancy == null) {
            redundancy = query("redundancy").orElse(null);
        }
        if (redundancy != null && (redundancy.isEmpty() || redundancy.length() > 32
                || !redundancy.matches("(replicas:[0-9]{1,2}|erasure:[0-9]{1,2}\\+[0-9]{1,2})"))) {
            throw ApiException.badRequest("X-Stoq-Redundancy (or ?redundancy=) must be replicas:N or erasure:K+M");
        }
        return new NewContent(type, name, len, redundancy, DigestFields.sha256(request.headers()));
    }

    static OptionalLong declaredLength(HttpRequest request) {
        long n = HttpUtil.getContentLength(request, -1L);
        return n < 0 ? OptionalLong.empty() : OptionalLong.of(n);
    }

    @Override
    public String requestId() {
        return requestId;
    }
}
