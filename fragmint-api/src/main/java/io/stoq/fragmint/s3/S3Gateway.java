package io.stoq.fragmint.s3;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.stoq.fragmint.port.Account;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.NodePorts;
import io.stoq.fragmint.port.ObjectNames;
import io.stoq.fragmint.port.S3KeyStore;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The S3 facade beside FragMint's REST routes: resolves the bucket and key (path style, or
 * virtual-hosted style under {@link S3Config#domain}), authenticates the request with SigV4
 * against the account's S3 key, runs the operation through the same ports as REST
 * ({@link io.stoq.fragmint.port.AssetService} for bytes, {@link ObjectNames} for names) and
 * audits the decision. Every refusal is S3's XML error with the code clients expect.
 *
 * <p>Roles: an S3 caller acts with its account's role; writes need a role that may write assets
 * (admin, writer), reads one that may read content (not auditor). TOTP cannot ride on an S3
 * request; creating the S3 key needs it instead (docs/s3.md).
 *
 * <p>Thread-safe: immutable apart from the request counter.
 */
public final class S3Gateway {
    private static final Logger LOG = LoggerFactory.getLogger(S3Gateway.class);

    final S3Config config;
    final NodePorts ports;
    final ObjectNames names;
    private final S3KeyStore keys;
    final io.stoq.fragmint.port.MultipartUploads uploads;
    final Clock clock;
    final ExecutorService digests;
    /** Runs multipart completions while the request's worker keeps the connection alive. */
    final ExecutorService completions = Executors.newCachedThreadPool(new io.netty.util.concurrent.DefaultThreadFactory("s3-complete", true));
    private final AtomicLong counter = new AtomicLong();
    private final BucketOps buckets;
    private final ObjectOps objects;
    private final MultipartOps multipart;

    /**
     * @param uploads where open multipart uploads are kept (stoq-node: its node database, so they
     *     survive a restart; {@link MemoryUploads} otherwise)
     */
    public S3Gateway(S3Config config, NodePorts ports, ObjectNames names, S3KeyStore keys,
            io.stoq.fragmint.port.MultipartUploads uploads, Clock clock) {
        this.config = config;
        this.ports = ports;
        this.names = names;
        this.keys = keys;
        this.uploads = uploads;
        this.clock = clock;
        this.digests = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new io.netty.util.concurrent.DefaultThreadFactory("s3-digest", true));
        this.buckets = new BucketOps(this);
        this.objects = new ObjectOps(this);
        this.multipart = new MultipartOps(this, objects);
    }

    /** One authenticated request on its way through an operation. */
    record Call(S3Request req, Caller caller, SigV4.Verified auth, InputStream body, String requestId) {}

    S3Response handle(HttpRequest http, InputStream body, String remote) {
        String requestId = Long.toHexString(System.nanoTime() & 0xffffffffL).toUpperCase(Locale.ROOT) + "-" + counter.incrementAndGet();
        QueryStringDecoder qs = new QueryStringDecoder(http.uri());
        String rawPath = qs.rawPath();
        String rawQuery = qs.rawQuery();
        String host = http.headers().get("host", "");
        String bucket = null;
        String key = null;
        String path = S3Request.decode(rawPath);
        String hostOnly = host.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
        if (config.domain() != null && hostOnly.endsWith("." + config.domain())) {
            bucket = hostOnly.substring(0, hostOnly.length() - config.domain().length() - 1);
            key = path.length() > 1 ? path.substring(1) : null;
        } else if (path.length() > 1) {
            String p = path.substring(1);
            int slash = p.indexOf('/');
            bucket = slash < 0 ? p : p.substring(0, slash);
            key = slash < 0 || slash == p.length() - 1 ? null : p.substring(slash + 1);
        }
        S3Request req = new S3Request(http.method().name(), rawPath, S3Request.parseQuery(rawQuery), http.headers(), bucket, key, remote);
        String operation = "s3:unknown";
        String actor = AuditRecord.ANONYMOUS;
        String credential = null;
        AuditRecord.Outcome outcome = AuditRecord.Outcome.DENIED_UNAUTHENTICATED;
        S3Response res;
        try {
            Call call = authenticate(req, body, requestId);
            actor = call.caller().accountId();
            credential = call.caller().credentialId();
            outcome = AuditRecord.Outcome.ALLOWED;
            operation = operation(req);
            res = dispatch(call, operation);
        } catch (S3Exception e) {
            if (outcome == AuditRecord.Outcome.ALLOWED && e.error() == S3Error.ACCESS_DENIED) {
                outcome = AuditRecord.Outcome.DENIED_FORBIDDEN;
            }
            res = error(e.error(), e.getMessage(), rawPath, requestId);
        } catch (ApiException e) {
            S3Error mapped = map(e.error());
            res = error(mapped, e.getMessage(), rawPath, requestId);
        } catch (java.io.IOException e) {
            res = error(S3Error.INCOMPLETE_BODY, "the request body did not arrive whole: " + e.getMessage(), rawPath, requestId);
        } catch (RuntimeException e) {
            LOG.error("S3 request {} ({} {}) failed", requestId, req.method(), rawPath, e);
            res = error(S3Error.INTERNAL_ERROR, "We encountered an internal error. Please try again.", rawPath, requestId);
        }
        res.header("x-amz-request-id", requestId);
        audit(actor, credential, operation, req, outcome, res.status, remote);
        return res;
    }

    private void audit(String actor, String credential, String operation, S3Request req, AuditRecord.Outcome outcome, int status,
            String remote) {
        try {
            ports.audit().append(new AuditRecord(0, clock.instant(), actor, credential, operation, req.method(), req.rawPath(),
                    outcome, status, remote));
        } catch (ApiException e) {
            LOG.warn("cannot audit an S3 request: {}", e.getMessage());
        }
    }

    private Call authenticate(S3Request req, InputStream body, String requestId) throws S3Exception, ApiException {
        if (!SigV4.signed(req)) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "Anonymous access is not allowed; sign the request with an S3 key");
        }
        SigV4.Claim claim = SigV4.claim(req);
        Optional<S3KeyStore.S3Key> key = keys.find(claim.accessKeyId());
        if (key.isEmpty()) {
            throw new S3Exception(S3Error.INVALID_ACCESS_KEY_ID, "The AWS Access Key Id you provided does not exist in our records.");
        }
        SigV4.Verified auth = SigV4.verify(req, claim, key.get().secret(), clock.instant(), config.maxSkew());
        Optional<Account> account = ports.accounts().account(key.get().accountId());
        if (account.isEmpty()) {
            throw new S3Exception(S3Error.INVALID_ACCESS_KEY_ID, "the key's account no longer exists");
        }
        Caller caller = new Caller(account.get().id(), account.get().role(), claim.accessKeyId(), false);
        return new Call(req, caller, auth, body, requestId);
    }

    /** The S3 operation name of a request, for the audit log and dispatch. */
    static String operation(S3Request r) {
        String m = r.method();
        if (r.bucket() == null) {
            return m.equals("GET") ? "s3:ListBuckets" : "s3:unknown";
        }
        if (r.key() == null) {
            return switch (m) {
                case "PUT" -> r.has("versioning") ? "s3:PutBucketVersioning" : "s3:CreateBucket";
                case "HEAD" -> "s3:HeadBucket";
                case "DELETE" -> "s3:DeleteBucket";
                case "POST" -> r.has("delete") ? "s3:DeleteObjects" : "s3:unknown";
                case "GET" -> r.has("location") ? "s3:GetBucketLocation" : r.has("versioning") ? "s3:GetBucketVersioning"
                        : r.has("uploads") ? "s3:ListMultipartUploads" : r.has("versions") ? "s3:ListObjectVersions"
                        : "2".equals(r.param("list-type")) ? "s3:ListObjectsV2" : "s3:ListObjects";
                default -> "s3:unknown";
            };
        }
        return switch (m) {
            case "PUT" -> r.has("uploadId") ? (r.header("x-amz-copy-source") != null ? "s3:UploadPartCopy" : "s3:UploadPart")
                    : r.header("x-amz-copy-source") != null ? "s3:CopyObject" : "s3:PutObject";
            case "GET" -> r.has("uploadId") ? "s3:ListParts" : "s3:GetObject";
            case "HEAD" -> "s3:HeadObject";
            case "DELETE" -> r.has("uploadId") ? "s3:AbortMultipartUpload" : "s3:DeleteObject";
            case "POST" -> r.has("uploads") ? "s3:CreateMultipartUpload" : r.has("uploadId") ? "s3:CompleteMultipartUpload" : "s3:unknown";
            default -> "s3:unknown";
        };
    }

    private S3Response dispatch(Call c, String operation) throws S3Exception, ApiException, java.io.IOException {
        return switch (operation) {
            case "s3:ListBuckets" -> buckets.listBuckets(c);
            case "s3:CreateBucket" -> buckets.create(c);
            case "s3:HeadBucket" -> buckets.head(c);
            case "s3:DeleteBucket" -> buckets.delete(c);
            case "s3:GetBucketLocation" -> buckets.location(c);
            case "s3:GetBucketVersioning" -> buckets.versioning(c);
            case "s3:PutBucketVersioning" -> buckets.putVersioning(c);
            case "s3:ListObjectsV2" -> buckets.list(c, true);
            case "s3:ListObjects" -> buckets.list(c, false);
            case "s3:DeleteObjects" -> objects.deleteMany(c);
            case "s3:PutObject" -> objects.put(c);
            case "s3:CopyObject" -> objects.copy(c);
            case "s3:GetObject", "s3:HeadObject" -> objects.get(c);
            case "s3:DeleteObject" -> objects.delete(c);
            case "s3:CreateMultipartUpload" -> multipart.create(c);
            case "s3:UploadPart" -> multipart.uploadPart(c);
            case "s3:CompleteMultipartUpload" -> multipart.complete(c);
            case "s3:AbortMultipartUpload" -> multipart.abort(c);
            case "s3:ListParts" -> multipart.listParts(c);
            case "s3:ListMultipartUploads" -> multipart.listUploads(c);
            default -> throw new S3Exception(S3Error.NOT_IMPLEMENTED, "this S3 operation is not supported by STOQ (docs/s3.md)");
        };
    }

    /** The S3 error for a port failure that the operation did not translate itself. */
    static S3Error map(ApiError e) {
        return switch (e) {
            case NOT_FOUND -> S3Error.NO_SUCH_KEY;
            case FORBIDDEN, UNAUTHENTICATED, TOTP_REQUIRED -> S3Error.ACCESS_DENIED;
            case PRECONDITION_FAILED -> S3Error.PRECONDITION_FAILED;
            case RANGE_NOT_SATISFIABLE -> S3Error.INVALID_RANGE;
            case PAYLOAD_TOO_LARGE -> S3Error.ENTITY_TOO_LARGE;
            case TRUNCATED_BODY -> S3Error.INCOMPLETE_BODY;
            // the gateway declares a digest to the service only from x-amz-content-sha256
            case DIGEST_MISMATCH -> S3Error.CONTENT_SHA256_MISMATCH;
            case RATE_LIMITED -> S3Error.SLOW_DOWN;
            case UNAVAILABLE -> S3Error.SERVICE_UNAVAILABLE;
            case BAD_REQUEST, UNPROCESSABLE, UNSUPPORTED_MEDIA_TYPE, CONFLICT -> S3Error.INVALID_REQUEST;
            case METHOD_NOT_ALLOWED -> S3Error.METHOD_NOT_ALLOWED;
            default -> S3Error.INTERNAL_ERROR;
        };
    }

    static S3Response error(S3Error e, String message, String resource, String requestId) {
        if (e == S3Error.NOT_MODIFIED) {
            return S3Response.empty(304);
        }
        return S3Response.xml(e.status(), S3Xml.error(e, message, resource, requestId));
    }

    S3Response badRequest(String message) {
        return error(S3Error.INVALID_REQUEST, message, "/", "0");
    }

    S3Response slowDown() {
        return error(S3Error.SLOW_DOWN, "Please reduce your request rate.", "/", "0");
    }

    /** Shuts the digest threads down (the server closes first). */
    public void close() {
        digests.shutdownNow();
        completions.shutdownNow();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
