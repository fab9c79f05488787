package io.stoq.fragmint.s3;

import io.stoq.fragmint.auth.Permission;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.ObjectNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Bucket operations: list buckets, create, head, delete (only when empty), location, versioning
 * (always on: every PUT is a new asset version), and the object listings V1 and V2 with prefix,
 * delimiter, common prefixes, max-keys and continuation, read from the ledger's ordered name
 * index page by page.
 */
final class BucketOps {
    /** S3's page size limit. */
    static final int MAX_KEYS = 1000;
    /** Sorts after every key continuing a common prefix (U+10FFFF: F4 8F BF BF, the largest UTF-8 sequence). */
    private static final String AFTER_ALL = new String(Character.toChars(0x10FFFF));

    private final S3Gateway g;

    BucketOps(S3Gateway g) {
        this.g = g;
    }

    static void require(S3Gateway.Call c, Permission p) throws S3Exception {
        if (!p.grantedTo(c.caller().role())) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "Access Denied: the account's role (" + c.caller().role().wireName()
                    + ") may not do this");
        }
    }

    /** The addressed bucket, when the caller may use it: NoSuchBucket / AccessDenied otherwise. */
    static ObjectNames.Bucket bucket(S3Gateway g, S3Gateway.Call c) throws S3Exception, ApiException {
        try {
            return g.names.bucket(c.caller(), c.req().bucket());
        } catch (ApiException e) {
            throw bucketError(e, c.req().bucket());
        }
    }

    static Exception bucketErrorOf(ApiException e, String bucket) {
        return bucketError(e, bucket);
    }

    static S3Exception bucketError(ApiException e, String bucket) {
        return switch (e.error()) {
            case NOT_FOUND -> new S3Exception(S3Error.NO_SUCH_BUCKET, "The specified bucket does not exist: " + bucket);
            case FORBIDDEN -> new S3Exception(S3Error.ACCESS_DENIED, "Access Denied to bucket " + bucket);
            case CONFLICT -> new S3Exception(S3Error.BUCKET_NOT_EMPTY, "The bucket you tried to delete is not empty: " + bucket);
            case BAD_REQUEST, UNPROCESSABLE -> new S3Exception(S3Error.INVALID_BUCKET_NAME, "The specified bucket is not valid: " + bucket);
            default -> new S3Exception(S3Gateway.map(e.error()), e.getMessage());
        };
    }

    S3Response listBuckets(S3Gateway.Call c) throws ApiException, S3Exception {
        require(c, Permission.ASSET_READ);
        S3Xml x = S3Xml.root("ListAllMyBucketsResult").start("Owner").el("ID", c.caller().accountId())
                .el("DisplayName", c.caller().accountId()).end().start("Buckets");
        for (ObjectNames.Bucket b : g.names.buckets(c.caller())) {
            x.start("Bucket").el("Name", b.name()).el("CreationDate", S3Xml.time(b.created())).end();
        }
        return S3Response.xml(200, x.end().done());
    }

    S3Response create(S3Gateway.Call c) throws ApiException, S3Exception {
        require(c, Permission.ASSET_WRITE);
        String name = c.req().bucket();
        try {
            g.names.createBucket(c.caller(), name);
        } catch (ApiException e) {
            if (e.error() == ApiError.CONFLICT) {
                try {
                    ObjectNames.Bucket b = g.names.bucket(c.caller(), name);
                    if (b.owner().equals(c.caller().accountId())) {
                        throw new S3Exception(S3Error.BUCKET_ALREADY_OWNED_BY_YOU, "Your previous request to create the named bucket succeeded and you already own it: " + name);
                    }
                } catch (ApiException notYours) {
                    // someone else's
                }
                throw new S3Exception(S3Error.BUCKET_ALREADY_EXISTS, "The requested bucket name is not available: " + name);
            }
            throw bucketError(e, name);
        }
        return S3Response.empty(200).header("Location", "/" + name);
    }

    S3Response head(S3Gateway.Call c) throws ApiException, S3Exception {
        require(c, Permission.ASSET_READ);
        bucket(g, c);
        return S3Response.empty(200).header("x-amz-bucket-region", g.config.region());
    }

    S3Response delete(S3Gateway.Call c) throws ApiException, S3Exception {
        require(c, Permission.ASSET_DELETE);
        try {
            g.names.deleteBucket(c.caller(), c.req().bucket());
        } catch (ApiException e) {
            throw bucketError(e, c.req().bucket());
        }
        return S3Response.empty(204);
    }

    S3Response location(S3Gateway.Call c) throws ApiException, S3Exception {
        require(c, Permission.ASSET_READ);
        bucket(g, c);
        String region = g.config.region().equals("us-east-1") ? "" : g.config.region();
        return S3Response.xml(200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"" + S3Xml.NS + "\">"
                + S3Xml.escape(region) + "</LocationConstraint>");
    }

    S3Response versioning(S3Gateway.Call c) throws ApiException, S3Exception {
        require(c, Permission.ASSET_READ);
        bucket(g, c);
        return S3Response.xml(200, S3Xml.root("VersioningConfiguration").el("Status", "Enabled").done());
    }

    S3Response putVersioning(S3Gateway.Call c) throws ApiException, S3Exception, java.io.IOException {
        require(c, Permission.ASSET_WRITE);
        bucket(g, c);
        String status = S3Xml.text(S3Xml.parse(c.body().readNBytes(64 * 1024)), "Status");
        if (!"Enabled".equals(status)) {
            throw new S3Exception(S3Error.NOT_IMPLEMENTED, "versioning is always Enabled on STOQ: every PUT is a new asset version");
        }
        return S3Response.empty(200);
    }

    /** ListObjectsV2 ({@code v2}) or V1. */
    S3Response list(S3Gateway.Call c, boolean v2) throws ApiException, S3Exception {
        require(c, Permission.ASSET_READ);
        ObjectNames.Bucket b = bucket(g, c);
        S3Request r = c.req();
        String prefix = r.param("prefix") == null ? "" : r.param("prefix");
        String delimiter = r.param("delimiter") == null || r.param("delimiter").isEmpty() ? null : r.param("delimiter");
        boolean url = "url".equals(r.param("encoding-type"));
        int maxKeys = MAX_KEYS;
        if (r.param("max-keys") != null) {
            try {
                maxKeys = Math.min(MAX_KEYS, Integer.parseInt(r.param("max-keys")));
            } catch (NumberFormatException e) {
                throw new S3Exception(S3Error.INVALID_ARGUMENT, "max-keys must be an integer");
            }
            if (maxKeys < 0) {
                throw new S3Exception(S3Error.INVALID_ARGUMENT, "max-keys must not be negative");
            }
        }
        String after;
        String token = r.param("continuation-token");
        if (v2) {
            if (token != null) {
                try {
                    after = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw new S3Exception(S3Error.INVALID_ARGUMENT, "The continuation token provided is incorrect");
                }
            } else {
                after = r.param("start-after") == null ? "" : r.param("start-after");
            }
        } else {
            after = r.param("marker") == null ? "" : r.param("marker");
        }
        List<ObjectNames.ObjectName> contents = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        String last = null;
        boolean truncated = false;
        String cursor = after;
        outer:
        while (maxKeys > 0) {
            ObjectNames.NamePage page = g.names.list(c.caller(), b.name(), prefix, cursor, Math.min(MAX_KEYS, maxKeys + 1));
            for (ObjectNames.ObjectName n : page.names()) {
                if (contents.size() + prefixes.size() == maxKeys) {
                    truncated = true;
                    break outer;
                }
                String rest = n.key().substring(prefix.length());
                int at = delimiter == null ? -1 : rest.indexOf(delimiter);
                if (at >= 0) {
                    String cp = prefix + rest.substring(0, at + delimiter.length());
                    prefixes.add(cp);
                    last = cp + AFTER_ALL;
                    cursor = last;
                    continue outer; // skip the rest of this common prefix with a fresh range read
                }
                contents.add(n);
                last = n.key();
                cursor = last;
            }
            if (!page.truncated()) {
                break;
            }
        }
        S3Xml x = S3Xml.root("ListBucketResult").el("Name", b.name()).el("Prefix", enc(prefix, url));
        if (v2) {
            if (token != null) {
                x.el("ContinuationToken", token);
            }
            if (r.param("start-after") != null) {
                x.el("StartAfter", enc(r.param("start-after"), url));
            }
            x.el("KeyCount", contents.size() + prefixes.size());
        } else {
            x.el("Marker", enc(after, url));
            if (truncated && delimiter != null) {
                x.el("NextMarker", enc(last.endsWith(AFTER_ALL) ? last.substring(0, last.length() - AFTER_ALL.length()) : last, url));
            }
        }
        x.el("MaxKeys", maxKeys);
        if (delimiter != null) {
            x.el("Delimiter", enc(delimiter, url));
        }
        if (url) {
            x.el("EncodingType", "url");
        }
        x.el("IsTruncated", truncated);
        if (v2 && truncated) {
            x.el("NextContinuationToken", Base64.getUrlEncoder().withoutPadding().encodeToString(last.getBytes(StandardCharsets.UTF_8)));
        }
        boolean owner = !v2 || "true".equals(r.param("fetch-owner"));
        for (ObjectNames.ObjectName n : contents) {
            ObjectAttributes a = ObjectAttributes.decode(n.attributes());
            x.start("Contents").el("Key", enc(n.key(), url)).el("LastModified", S3Xml.time(a.modified()))
                    .el("ETag", a.quotedEtag()).el("Size", a.size()).el("StorageClass", "STANDARD");
            if (owner) {
                x.start("Owner").el("ID", b.owner()).el("DisplayName", b.owner()).end();
            }
            x.end();
        }
        for (String p : prefixes) {
            x.start("CommonPrefixes").el("Prefix", enc(p, url)).end();
        }
        return S3Response.xml(200, x.done());
    }

    private static String enc(String s, boolean url) {
        return url ? SigV4.uriEncode(s, false) : s;
    }
}
