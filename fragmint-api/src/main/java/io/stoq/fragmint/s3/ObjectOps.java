package io.stoq.fragmint.s3;

import io.stoq.crypto.Hex;
import io.stoq.fragmint.auth.Permission;
import io.stoq.fragmint.conditional.EntityTag;
import io.stoq.fragmint.conditional.Preconditions;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AssetContent;
import io.stoq.fragmint.port.AssetMetadata;
import io.stoq.fragmint.port.BodyAbortedException;
import io.stoq.fragmint.port.ByteRange;
import io.stoq.fragmint.port.NewContent;
import io.stoq.fragmint.port.Nullable;
import io.stoq.fragmint.port.ObjectNames;
import io.stoq.fragmint.route.RangeHeader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.w3c.dom.Element;

/**
 * Object operations: PUT (plain, {@code UNSIGNED-PAYLOAD}, declared SHA-256, {@code aws-chunked}
 * signed or not, with trailing checksums), GET and HEAD (Range, conditionals, versionId,
 * response-* overrides), DELETE (the object, or one earlier version), multi-object delete and
 * CopyObject. An object is an asset: the first PUT of a key creates one owned by the caller,
 * later PUTs add versions, and the key's binding on the ledger points at the newest.
 */
final class ObjectOps {
    private final S3Gateway g;

    ObjectOps(S3Gateway g) {
        this.g = g;
    }

    /** What a store produced. */
    record Stored(String assetId, long version, ObjectAttributes attributes) {}

    static void checkKey(String key) throws S3Exception {
        if (key.getBytes(StandardCharsets.UTF_8).length > 1024) {
            throw new S3Exception(S3Error.KEY_TOO_LONG, "Your key is too long: at most 1024 bytes of UTF-8");
        }
    }

    /** The body of an upload as the object's bytes: raw, or decoded from aws-chunked (signatures checked). */
    InputStream payload(S3Gateway.Call c) throws S3Exception {
        String sha = c.auth().payloadHash();
        if (sha.startsWith("STREAMING-")) {
            boolean signed = sha.equals(SigV4.STREAMING_SIGNED) || sha.equals(SigV4.STREAMING_SIGNED_TRAILER);
            if (!signed && !sha.equals(SigV4.STREAMING_UNSIGNED_TRAILER)) {
                throw new S3Exception(S3Error.NOT_IMPLEMENTED, "x-amz-content-sha256 " + sha + " is not supported");
            }
            String trailer = c.req().header("x-amz-trailer");
            if (trailer != null) {
                trailer = trailer.trim().toLowerCase(Locale.ROOT);
                if (!AwsChunkedStream.supportedTrailer(trailer)) {
                    throw new S3Exception(S3Error.NOT_IMPLEMENTED, "the trailing checksum " + trailer + " is not supported (docs/s3.md)");
                }
            }
            String decoded = c.req().header("x-amz-decoded-content-length");
            long length = -1;
            if (decoded != null) {
                try {
                    length = Long.parseLong(decoded.trim());
                } catch (NumberFormatException e) {
                    throw new S3Exception(S3Error.INVALID_ARGUMENT, "x-amz-decoded-content-length is not a number");
                }
            }
            return new AwsChunkedStream(c.body(), c.auth(), signed, length, trailer);
        }
        return c.body();
    }

    /** The declared plaintext length of an upload, if known. */
    static OptionalLong declaredLength(S3Gateway.Call c) {
        String h = c.auth().payloadHash().startsWith("STREAMING-") ? c.req().header("x-amz-decoded-content-length")
                : c.req().header("content-length");
        try {
            return h == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(h.trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** User metadata of a request ({@code x-amz-meta-*}), bounded as S3 bounds it. */
    static Map<String, String> userMetadata(S3Request r) throws S3Exception {
        Map<String, String> meta = new LinkedHashMap<>();
        int bytes = 0;
        for (Map.Entry<String, String> h : r.headers()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith("x-amz-meta-")) {
                String k = name.substring(11);
                meta.put(k, h.getValue());
                bytes += k.getBytes(StandardCharsets.UTF_8).length + h.getValue().getBytes(StandardCharsets.UTF_8).length;
            }
        }
        if (bytes > ObjectAttributes.MAX_USER_METADATA) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT /* MetadataTooLarge */, "Your metadata headers exceed the maximum allowed metadata size (2 KB)");
        }
        return meta;
    }

    S3Response put(S3Gateway.Call c) throws S3Exception, ApiException, IOException {
        BucketOps.require(c, Permission.ASSET_WRITE);
        S3Request r = c.req();
        checkKey(r.key());
        BucketOps.bucket(g, c);
        if (r.header("content-length") == null && !"chunked".equalsIgnoreCase(r.header("transfer-encoding"))) {
            throw new S3Exception(S3Error.MISSING_CONTENT_LENGTH, "You must provide the Content-Length HTTP header.");
        }
        if (r.header("authorization") != null && r.header("x-amz-content-sha256") == null) {
            throw new S3Exception(S3Error.INVALID_REQUEST, "Missing required header for this request: x-amz-content-sha256");
        }
        String sha256 = declaredSha256(c);
        Optional<ObjectNames.ObjectName> existing = g.names.lookup(c.caller(), r.bucket(), r.key());
        preconditionsForWrite(r, existing);
        InputStream payload = payload(c);
        DigestBeside body = new DigestBeside(payload, g.digests, r.header("content-md5"));
        String type = r.header("content-type") == null ? "binary/octet-stream" : r.header("content-type");
        Stored s;
        try {
            s = store(c, r.bucket(), r.key(), existing, body, sha256, type, declaredLength(c), userMetadata(r), 0, null);
        } catch (BodyAbortedException e) {
            throw bodyError(e, payload, body);
        }
        return S3Response.empty(200).header("ETag", s.attributes().quotedEtag()).header("x-amz-version-id", Long.toString(s.version()));
    }

    /**
     * The SHA-256 a signed single-chunk payload declares ({@code x-amz-content-sha256}), lower-case
     * hex; null for {@code UNSIGNED-PAYLOAD} and the streaming forms (whose chunks carry their own
     * signatures). A value that is none of these cannot match any body: refused before it is read.
     */
    static @Nullable String declaredSha256(S3Gateway.Call c) throws S3Exception {
        String sha = c.auth().payloadHash();
        if (sha.equals(SigV4.UNSIGNED_PAYLOAD) || sha.startsWith("STREAMING-")) {
            return null;
        }
        byte[] digest;
        try {
            digest = Hex.decode(sha);
        } catch (IllegalArgumentException e) {
            digest = null;
        }
        if (digest == null || digest.length != 32) {
            throw new S3Exception(S3Error.CONTENT_SHA256_MISMATCH,
                    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING- form or the body's SHA-256 in hex");
        }
        return Hex.encode(digest);
    }

    /** The S3 error for an upload body that failed: a chunk signature, a digest, or the connection. */
    static S3Exception bodyError(BodyAbortedException e, InputStream payload, DigestBeside body) {
        if (payload instanceof AwsChunkedStream a && a.failure() != null) {
            return a.failure();
        }
        if (body.badMd5()) {
            return new S3Exception(S3Error.BAD_DIGEST, "The Content-MD5 you specified did not match what we received.");
        }
        return new S3Exception(e.reason() == ApiError.PAYLOAD_TOO_LARGE ? S3Error.ENTITY_TOO_LARGE : S3Error.INCOMPLETE_BODY,
                e.getMessage());
    }

    private void preconditionsForWrite(S3Request r, Optional<ObjectNames.ObjectName> existing) throws S3Exception {
        String ifMatch = r.header("if-match");
        String ifNoneMatch = r.header("if-none-match");
        if (ifMatch == null && ifNoneMatch == null) {
            return;
        }
        Preconditions.Validators v = existing.isEmpty() ? Preconditions.Validators.missing()
                : validators(ObjectAttributes.decode(existing.get().attributes()));
        if (Preconditions.evaluate("PUT", new Preconditions.Request(ifMatch, ifNoneMatch, null, null), v)
                != Preconditions.Decision.PROCEED) {
            throw new S3Exception(S3Error.PRECONDITION_FAILED, "At least one of the pre-conditions you specified did not hold");
        }
    }

    static Preconditions.Validators validators(ObjectAttributes a) {
        return Preconditions.Validators.of(a.modified(), EntityTag.strong(a.etag()));
    }

    /**
     * Streams {@code body} into a new asset (a new key) or a new version of the key's asset, then
     * binds the key to it. {@code etag} overrides the MD5 (multipart's md5-of-md5s).
     * {@code sha256} ({@link #declaredSha256}, or null) is checked by the asset service against the
     * SHA-256 it computes of every upload anyway, so the gateway hashes nothing with SHA-256.
     */
    Stored store(S3Gateway.Call c, String bucket, String key, Optional<ObjectNames.ObjectName> existing, DigestBeside body,
            @Nullable String sha256, String contentType, OptionalLong length, Map<String, String> meta, int parts, String etag)
            throws ApiException, IOException {
        NewContent content = new NewContent(contentType, assetName(key), length, null, sha256);
        AssetMetadata m = null;
        if (existing.isPresent()) {
            try {
                m = g.ports.assets().update(c.caller(), existing.get().assetId(), OptionalLong.empty(), content, body);
            } catch (ApiException e) {
                if (e.error() != ApiError.NOT_FOUND) {
                    throw e;
                }
                // the bound asset was deleted through REST (or is no longer visible): the key starts a new asset
            }
        }
        if (m == null) {
            m = g.ports.assets().create(c.caller(), content, body);
        }
        ObjectAttributes a = new ObjectAttributes(etag != null ? etag : body.md5Hex(), contentType, meta, parts, m.size(), m.updatedAt());
        g.names.bind(c.caller(), bucket, key, m.id(), m.version(), a.encode());
        return new Stored(m.id(), m.version(), a);
    }

    private static String assetName(String key) {
        String last = key.endsWith("/") ? key : key.substring(key.lastIndexOf('/') + 1);
        if (last.isEmpty()) {
            last = key;
        }
        return last.length() > 200 ? last.substring(0, 200) : last;
    }

    /** The object (or one version of it) a GET, HEAD or copy names. */
    record Found(ObjectNames.ObjectName name, AssetMetadata meta, ObjectAttributes attributes) {}

    Found find(S3Gateway.Call c, String bucket, String key, String versionId) throws S3Exception, ApiException {
        Optional<ObjectNames.ObjectName> n;
        try {
            n = g.names.lookup(c.caller(), bucket, key);
        } catch (ApiException e) {
            throw BucketOps.bucketError(e, bucket);
        }
        if (n.isEmpty()) {
            throw new S3Exception(S3Error.NO_SUCH_KEY, "The specified key does not exist.");
        }
        long version = n.get().version();
        if (versionId != null && !versionId.equals("null")) {
            try {
                version = Long.parseLong(versionId);
            } catch (NumberFormatException e) {
                throw new S3Exception(S3Error.INVALID_ARGUMENT, "Invalid version id specified");
            }
        }
        AssetMetadata meta;
        try {
            // without a versionId the asset's newest version is served: a version written through REST shows here too
            meta = g.ports.assets().metadata(c.caller(), n.get().assetId(),
                    versionId == null || versionId.equals("null") ? OptionalLong.empty() : OptionalLong.of(version));
        } catch (ApiException e) {
            if (e.error() == ApiError.NOT_FOUND) {
                throw versionId != null ? new S3Exception(S3Error.NO_SUCH_VERSION, "The specified version does not exist.")
                        : new S3Exception(S3Error.NO_SUCH_KEY, "The specified key does not exist.");
            }
            throw e;
        }
        ObjectAttributes a = ObjectAttributes.decode(n.get().attributes());
        if (meta.version() != n.get().version()) {
            // another version than the bound one (an earlier one, or a newer one written through REST): its
            // bytes and size come from the asset; its MD5 is not known, so its ETag is the start of its content digest
            a = new ObjectAttributes(meta.digest().hex().substring(0, 32), meta.contentType(), Map.of(), 0, meta.size(), meta.updatedAt());
        }
        return new Found(n.get(), meta, a);
    }

    S3Response get(S3Gateway.Call c) throws S3Exception, ApiException {
        S3Request r = c.req();
        boolean head = r.method().equals("HEAD");
        BucketOps.require(c, head ? Permission.ASSET_READ : Permission.ASSET_CONTENT_READ);
        Found f = find(c, r.bucket(), r.key(), r.param("versionId"));
        ObjectAttributes a = f.attributes();
        Preconditions.Validators v = validators(a);
        Preconditions.Decision d = Preconditions.evaluate(r.method(), new Preconditions.Request(r.header("if-match"),
                r.header("if-none-match"), r.header("if-modified-since"), r.header("if-unmodified-since")), v);
        if (d == Preconditions.Decision.NOT_MODIFIED) {
            return S3Response.empty(304).header("ETag", a.quotedEtag()).header("Last-Modified", Preconditions.httpDate(a.modified()));
        }
        if (d == Preconditions.Decision.PRECONDITION_FAILED) {
            throw new S3Exception(S3Error.PRECONDITION_FAILED, "At least one of the pre-conditions you specified did not hold");
        }
        long size = f.meta().size();
        ByteRange range = null;
        String rangeHeader = r.header("range");
        if (rangeHeader != null && (r.header("if-range") == null || Preconditions.rangeApplies(r.header("if-range"), v))) {
            try {
                range = RangeHeader.resolve(rangeHeader, size);
            } catch (ApiException e) {
                S3Response res = S3Gateway.error(S3Error.INVALID_RANGE, "The requested range is not satisfiable", r.rawPath(), c.requestId());
                return res.header("Content-Range", "bytes */" + size);
            }
        }
        S3Response res = S3Response.empty(range != null ? 206 : 200);
        res.header("ETag", a.quotedEtag()).header("Last-Modified", Preconditions.httpDate(a.modified()))
                .header("Accept-Ranges", "bytes").header("Content-Type", a.contentType())
                .header("x-amz-version-id", Long.toString(f.meta().version()));
        for (Map.Entry<String, String> m : a.metadata().entrySet()) {
            res.header("x-amz-meta-" + m.getKey(), m.getValue());
        }
        if (a.parts() > 0) {
            res.header("x-amz-mp-parts-count", Integer.toString(a.parts()));
        }
        for (String o : new String[] {"content-type", "content-language", "expires", "cache-control", "content-disposition",
                "content-encoding"}) {
            String value = r.param("response-" + o);
            if (value != null) {
                res.header(o, value);
            }
        }
        long length = range != null ? range.length() : size;
        if (range != null) {
            res.header("Content-Range", "bytes " + range.first() + "-" + range.last() + "/" + size);
        }
        if (head) {
            return res.header("Content-Length", Long.toString(length));
        }
        if (size == 0) {
            return res;
        }
        AssetContent content = g.ports.assets().openContent(c.caller(), f.name().assetId(), f.meta().version(),
                range != null ? range : ByteRange.whole(size));
        return res.stream(content.body(), length);
    }

    S3Response delete(S3Gateway.Call c) throws S3Exception, ApiException {
        BucketOps.require(c, Permission.ASSET_DELETE);
        S3Request r = c.req();
        BucketOps.bucket(g, c);
        String versionId = r.param("versionId");
        deleteOne(c, r.bucket(), r.key(), versionId);
        return S3Response.empty(204).header("x-amz-version-id", versionId);
    }

    /**
     * Deletes a key (unbinds it and deletes its asset) or one earlier version of it. A key that is
     * not there is no error, as in S3.
     */
    void deleteOne(S3Gateway.Call c, String bucket, String key, String versionId) throws S3Exception, ApiException {
        Optional<ObjectNames.ObjectName> n = g.names.lookup(c.caller(), bucket, key);
        if (n.isEmpty()) {
            return;
        }
        if (versionId != null && !versionId.equals("null")) {
            long version;
            try {
                version = Long.parseLong(versionId);
            } catch (NumberFormatException e) {
                throw new S3Exception(S3Error.INVALID_ARGUMENT, "Invalid version id specified");
            }
            if (version != n.get().version()) {
                try {
                    g.ports.assets().deleteVersion(c.caller(), n.get().assetId(), version);
                } catch (ApiException e) {
                    if (e.error() != ApiError.NOT_FOUND) {
                        throw e;
                    }
                }
                return;
            }
        }
        g.names.unbind(c.caller(), bucket, key);
        try {
            g.ports.assets().delete(c.caller(), n.get().assetId());
        } catch (ApiException e) {
            if (e.error() != ApiError.NOT_FOUND) {
                throw e;
            }
        }
    }

    S3Response deleteMany(S3Gateway.Call c) throws S3Exception, ApiException, IOException {
        BucketOps.require(c, Permission.ASSET_DELETE);
        BucketOps.bucket(g, c);
        byte[] xml = c.body().readNBytes(2 << 20);
        Element root = S3Xml.parse(xml);
        boolean quiet = "true".equalsIgnoreCase(S3Xml.text(root, "Quiet"));
        var objects = S3Xml.children(root, "Object");
        if (objects.size() > 1000) {
            throw new S3Exception(S3Error.MALFORMED_XML, "at most 1000 keys per delete request");
        }
        S3Xml out = S3Xml.root("DeleteResult");
        for (Element o : objects) {
            String key = S3Xml.text(o, "Key");
            String version = S3Xml.text(o, "VersionId");
            try {
                if (key == null) {
                    throw new S3Exception(S3Error.MALFORMED_XML, "an Object without a Key");
                }
                checkKey(key);
                deleteOne(c, c.req().bucket(), key, version);
                if (!quiet) {
                    out.start("Deleted").el("Key", key).el("VersionId", version).end();
                }
            } catch (S3Exception e) {
                out.start("Error").el("Key", key).el("Code", e.error().code()).el("Message", e.getMessage()).end();
            } catch (ApiException e) {
                out.start("Error").el("Key", key).el("Code", S3Gateway.map(e.error()).code()).el("Message", e.getMessage()).end();
            }
        }
        return S3Response.xml(200, out.done());
    }

    S3Response copy(S3Gateway.Call c) throws S3Exception, ApiException, IOException {
        BucketOps.require(c, Permission.ASSET_WRITE);
        S3Request r = c.req();
        checkKey(r.key());
        BucketOps.bucket(g, c);
        String source = r.header("x-amz-copy-source");
        String versionId = null;
        int q = source.indexOf('?');
        if (q >= 0) {
            for (var p : S3Request.parseQuery(source.substring(q + 1))) {
                if (p.getKey().equals("versionId")) {
                    versionId = p.getValue();
                }
            }
            source = source.substring(0, q);
        }
        source = S3Request.decode(source);
        if (source.startsWith("/")) {
            source = source.substring(1);
        }
        int slash = source.indexOf('/');
        if (slash <= 0 || slash == source.length() - 1) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "x-amz-copy-source must be bucket/key");
        }
        String srcBucket = source.substring(0, slash);
        String srcKey = source.substring(slash + 1);
        BucketOps.require(c, Permission.ASSET_CONTENT_READ);
        Found f = find(c, srcBucket, srcKey, versionId);
        ObjectAttributes a = f.attributes();
        Preconditions.Decision d = Preconditions.evaluate("GET", new Preconditions.Request(r.header("x-amz-copy-source-if-match"),
                r.header("x-amz-copy-source-if-none-match"), r.header("x-amz-copy-source-if-modified-since"),
                r.header("x-amz-copy-source-if-unmodified-since")), validators(a));
        if (d != Preconditions.Decision.PROCEED) {
            throw new S3Exception(S3Error.PRECONDITION_FAILED, "At least one of the pre-conditions you specified did not hold");
        }
        boolean replace = "REPLACE".equalsIgnoreCase(r.header("x-amz-metadata-directive"));
        if (!replace && srcBucket.equals(r.bucket()) && srcKey.equals(r.key()) && versionId == null) {
            throw new S3Exception(S3Error.INVALID_REQUEST, "This copy request is illegal because it is trying to copy an object to itself "
                    + "without changing the object's metadata, storage class, website redirect location or encryption attributes.");
        }
        Optional<ObjectNames.ObjectName> existing = g.names.lookup(c.caller(), r.bucket(), r.key());
        preconditionsForWrite(r, existing);
        String type = replace && r.header("content-type") != null ? r.header("content-type") : a.contentType();
        Map<String, String> meta = replace ? userMetadata(r) : a.metadata();
        long size = f.meta().size();
        Stored s;
        if (size == 0) {
            s = store(c, r.bucket(), r.key(), existing, new DigestBeside(InputStream.nullInputStream(), g.digests, null), null, type,
                    OptionalLong.of(0), meta, 0, null);
        } else {
            try (AssetContent content = g.ports.assets().openContent(c.caller(), f.name().assetId(), f.meta().version(),
                    ByteRange.whole(size))) {
                // a multipart source keeps its ETag form only when copied whole; the copy is one object, so its ETag is its MD5
                s = store(c, r.bucket(), r.key(), existing, new DigestBeside(content.body(), g.digests, null), null, type,
                        OptionalLong.of(size), meta, 0, null);
            }
        }
        return S3Response.xml(200, S3Xml.root("CopyObjectResult").el("ETag", s.attributes().quotedEtag())
                .el("LastModified", S3Xml.time(s.attributes().modified())).done())
                .header("x-amz-version-id", Long.toString(s.version()))
                .header("x-amz-copy-source-version-id", Long.toString(f.meta().version()));
    }
}
