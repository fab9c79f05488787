package io.stoq.fragmint.s3;

import io.stoq.fragmint.auth.Permission;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AssetContent;
import io.stoq.fragmint.port.AssetMetadata;
import io.stoq.fragmint.port.BodyAbortedException;
import io.stoq.fragmint.port.MultipartUploads.Part;
import io.stoq.fragmint.port.MultipartUploads.Upload;
import io.stoq.fragmint.port.ByteRange;
import io.stoq.fragmint.port.NewContent;
import io.stoq.fragmint.port.ObjectNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.w3c.dom.Element;

/**
 * Multipart upload. Each part streams through the shard pipeline as its own asset (owned by the
 * uploader, never buffered whole); complete streams the listed parts, in order, into the
 * object's asset version (a new asset for a new key, a new version otherwise) and deletes the
 * part assets; abort deletes them. Memory per upload is the pipeline's, whatever the size; the
 * cost of complete is one more pass over the bytes (a 10 GiB object is re-read and re-written
 * once), traded for a manifest format that stays one asset version = one shard list.
 *
 * <p>Open uploads and their parts are kept in the {@link io.stoq.fragmint.port.MultipartUploads}
 * port (stoq-node: the node database), so an upload survives a restart of the node that took it.
 * Which uploads are being completed right now, and the answers of the last completions (for a
 * client that retries a Complete), are this process's only.
 *
 * <p>Thread-safe: the store is; the in-progress set and the answer cache are concurrent.
 */
final class MultipartOps {
    static final long MIN_PART = 5L << 20;
    static final int MAX_PARTS = 10_000;

    private final S3Gateway g;
    private final ObjectOps objects;
    private final java.util.Set<String> completing = ConcurrentHashMap.newKeySet();
    /**
     * Result documents of the last completed uploads: a client that lost the answer of a slow
     * Complete retries it, and should get the same result, not NoSuchUpload. Bounded.
     */
    private final Map<String, String> completed = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 1000;
        }
    });

    MultipartOps(S3Gateway g, ObjectOps objects) {
        this.g = g;
        this.objects = objects;
    }

    private Upload upload(S3Gateway.Call c) throws S3Exception, ApiException {
        String id = c.req().param("uploadId");
        Upload u = id == null ? null : g.uploads.find(id).orElse(null);
        if (u == null || !u.bucket().equals(c.req().bucket()) || !u.key().equals(c.req().key())
                || !(u.account().equals(c.caller().accountId()) || c.caller().isAdmin())) {
            throw new S3Exception(S3Error.NO_SUCH_UPLOAD, "The specified multipart upload does not exist.");
        }
        return u;
    }

    S3Response create(S3Gateway.Call c) throws S3Exception, ApiException {
        BucketOps.require(c, Permission.ASSET_WRITE);
        ObjectOps.checkKey(c.req().key());
        BucketOps.bucket(g, c);
        String id = UUID.randomUUID().toString().replace("-", "");
        String type = c.req().header("content-type") == null ? "binary/octet-stream" : c.req().header("content-type");
        g.uploads.create(new Upload(id, c.req().bucket(), c.req().key(), c.caller().accountId(), type, ObjectOps.userMetadata(c.req()),
                g.clock.instant()));
        return S3Response.xml(200, S3Xml.root("InitiateMultipartUploadResult").el("Bucket", c.req().bucket())
                .el("Key", c.req().key()).el("UploadId", id).done());
    }

    S3Response uploadPart(S3Gateway.Call c) throws S3Exception, ApiException, IOException {
        BucketOps.require(c, Permission.ASSET_WRITE);
        Upload u = upload(c);
        int number;
        try {
            number = Integer.parseInt(c.req().param("partNumber"));
        } catch (NumberFormatException | NullPointerException e) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "Part number must be an integer between 1 and 10000, inclusive");
        }
        if (number < 1 || number > MAX_PARTS) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "Part number must be an integer between 1 and 10000, inclusive");
        }
        String sha256 = ObjectOps.declaredSha256(c);
        InputStream payload = objects.payload(c);
        DigestBeside body = new DigestBeside(payload, g.digests, c.req().header("content-md5"));
        AssetMetadata m;
        try {
            m = g.ports.assets().create(c.caller(), new NewContent("application/octet-stream", "part " + number + " of " + u.id(),
                    ObjectOps.declaredLength(c), null, sha256), body);
        } catch (BodyAbortedException e) {
            throw ObjectOps.bodyError(e, payload, body);
        }
        Optional<Part> replaced;
        try {
            replaced = g.uploads.putPart(u.id(), new Part(number, m.id(), m.size(), body.md5Hex(), m.createdAt()));
        } catch (ApiException e) {
            deleteQuietly(c, m.id()); // the upload was completed or aborted while this part arrived
            if (e.error() == ApiError.NOT_FOUND) {
                throw new S3Exception(S3Error.NO_SUCH_UPLOAD, "The specified multipart upload does not exist.");
            }
            throw e;
        }
        replaced.ifPresent(r -> deleteQuietly(c, r.assetId()));
        return S3Response.empty(200).header("ETag", "\"" + body.md5Hex() + "\"");
    }

    S3Response complete(S3Gateway.Call c) throws S3Exception, ApiException, IOException {
        BucketOps.require(c, Permission.ASSET_WRITE);
        String done = completed.get(c.req().bucket() + "/" + c.req().key() + "?" + c.req().param("uploadId"));
        if (done != null) {
            c.body().readNBytes(4 << 20);
            return S3Response.xml(200, done);
        }
        Upload u;
        Element root;
        try {
            u = upload(c);
        } catch (S3Exception e) {
            Element retried;
            try {
                retried = S3Xml.parse(c.body().readNBytes(4 << 20));
            } catch (S3Exception malformed) {
                throw e;
            }
            return completedBefore(c, retried).orElseThrow(() -> e);
        }
        root = S3Xml.parse(c.body().readNBytes(4 << 20));
        List<Part> chosen = new ArrayList<>();
        int previous = 0;
        Map<Integer, Part> uploaded = new TreeMap<>();
        for (Part p : g.uploads.parts(u.id())) {
            uploaded.put(p.number(), p);
        }
        {
            for (Element p : S3Xml.children(root, "Part")) {
                int n;
                try {
                    n = Integer.parseInt(S3Xml.text(p, "PartNumber").trim());
                } catch (RuntimeException e) {
                    throw new S3Exception(S3Error.MALFORMED_XML, "a Part without a valid PartNumber");
                }
                if (n <= previous) {
                    throw new S3Exception(S3Error.INVALID_PART_ORDER, "The list of parts was not in ascending order.");
                }
                previous = n;
                Part part = uploaded.get(n);
                String etag = S3Xml.text(p, "ETag");
                if (part == null || etag == null || !etag.replace("\"", "").trim().equalsIgnoreCase(part.md5Hex())) {
                    throw new S3Exception(S3Error.INVALID_PART, "One or more of the specified parts could not be found: part " + n);
                }
                chosen.add(part);
            }
        }
        if (chosen.isEmpty()) {
            throw new S3Exception(S3Error.MALFORMED_XML, "You must specify at least one part");
        }
        for (int i = 0; i < chosen.size() - 1; i++) {
            if (chosen.get(i).size() < MIN_PART) {
                throw new S3Exception(S3Error.ENTITY_TOO_SMALL, "Your proposed upload is smaller than the minimum allowed object size: part "
                        + chosen.get(i).number() + " has " + chosen.get(i).size() + " bytes (at least 5 MiB but the last)");
            }
        }
        MessageDigest md5s = md5();
        long total = 0;
        for (Part p : chosen) {
            md5s.update(HexFormat.of().parseHex(p.md5Hex()));
            total += p.size();
        }
        String etag = HexFormat.of().formatHex(md5s.digest()) + "-" + chosen.size();
        long bytes = total;
        if (!completing.add(u.id())) {
            throw new S3Exception(S3Error.INVALID_REQUEST, "this multipart upload is being completed by another request");
        }
        // The 200 goes out now and spaces keep the connection alive while the parts stream into the object (S3 does the same).
        CompletableFuture<String> result = CompletableFuture.supplyAsync(() -> finish(c, u, chosen, bytes, etag), g.completions);
        return S3Response.empty(200).header("Content-Type", "application/xml").stream(new KeepAliveBody(result), -1);
    }

    /**
     * The answer to a Complete retried after the upload is gone (completed, and the answer lost,
     * perhaps across a restart of this node or through another node): when the object now bound to
     * the key has the ETag the request's part list gives ({@code md5-of-md5s-N} of the listed
     * ETags), it is that upload's result, and the client gets the result document as the first time
     * (S3 and MinIO answer a repeated Complete so). Stateless: the ETag on the ledger is the record,
     * so it survives restarts and works on every node. Empty otherwise ({@code NoSuchUpload}).
     */
    private Optional<S3Response> completedBefore(S3Gateway.Call c, Element root) throws ApiException {
        MessageDigest md5s = md5();
        int n = 0;
        for (Element p : S3Xml.children(root, "Part")) {
            String etag = S3Xml.text(p, "ETag");
            if (etag == null) {
                return Optional.empty();
            }
            try {
                md5s.update(HexFormat.of().parseHex(etag.replace("\"", "").trim()));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            n++;
        }
        if (n == 0) {
            return Optional.empty();
        }
        String expected = HexFormat.of().formatHex(md5s.digest()) + "-" + n;
        Optional<ObjectNames.ObjectName> bound = g.names.lookup(c.caller(), c.req().bucket(), c.req().key());
        if (bound.isEmpty()) {
            return Optional.empty();
        }
        ObjectAttributes a = ObjectAttributes.decode(bound.get().attributes());
        if (!expected.equals(a.etag())) {
            return Optional.empty();
        }
        return Optional.of(S3Response.xml(200, S3Xml.root("CompleteMultipartUploadResult").el("Location", "/" + c.req().bucket() + "/"
                + c.req().key()).el("Bucket", c.req().bucket()).el("Key", c.req().key()).el("ETag", a.quotedEtag()).done()));
    }

    /** Streams the parts into the object and answers the result document (or an {@code <Error>}). */
    private String finish(S3Gateway.Call c, Upload u, List<Part> chosen, long total, String etag) {
        try {
            Optional<ObjectNames.ObjectName> existing = g.names.lookup(c.caller(), u.bucket(), u.key());
            ObjectOps.Stored s;
            try (PartsStream in = new PartsStream(c, chosen)) {
                s = objects.store(c, u.bucket(), u.key(), existing, new DigestBeside(in, g.digests, null), null, u.contentType(),
                        OptionalLong.of(total), u.meta(), chosen.size(), etag);
            }
            String doc = S3Xml.root("CompleteMultipartUploadResult").el("Location", "/" + u.bucket() + "/" + u.key())
                    .el("Bucket", u.bucket()).el("Key", u.key()).el("ETag", s.attributes().quotedEtag()).done();
            completed.put(u.bucket() + "/" + u.key() + "?" + u.id(), doc);
            List<Part> parts = g.uploads.parts(u.id());
            g.uploads.remove(u.id());
            for (Part p : parts) {
                deleteQuietly(c, p.assetId());
            }
            return doc;
        } catch (ApiException e) {
            return S3Xml.error(S3Gateway.map(e.error()), e.getMessage(), "/" + u.bucket() + "/" + u.key(), c.requestId());
        } catch (IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(MultipartOps.class).error("completing multipart upload {} failed", u.id(), e);
            return S3Xml.error(S3Error.INTERNAL_ERROR, "We encountered an internal error. Please try again.", "/" + u.bucket() + "/" + u.key(),
                    c.requestId());
        } finally {
            completing.remove(u.id());
        }
    }

    S3Response abort(S3Gateway.Call c) throws S3Exception, ApiException {
        BucketOps.require(c, Permission.ASSET_WRITE);
        Upload u = upload(c);
        List<Part> parts = g.uploads.parts(u.id());
        g.uploads.remove(u.id());
        for (Part p : parts) {
            deleteQuietly(c, p.assetId());
        }
        return S3Response.empty(204);
    }

    S3Response listParts(S3Gateway.Call c) throws S3Exception, ApiException {
        BucketOps.require(c, Permission.ASSET_READ);
        Upload u = upload(c);
        int marker = 0;
        int max = 1000;
        try {
            if (c.req().param("part-number-marker") != null) {
                marker = Integer.parseInt(c.req().param("part-number-marker"));
            }
            if (c.req().param("max-parts") != null) {
                max = Math.min(1000, Integer.parseInt(c.req().param("max-parts")));
            }
        } catch (NumberFormatException e) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "part-number-marker and max-parts must be integers");
        }
        int after = marker;
        List<Part> parts = g.uploads.parts(u.id()).stream().filter(p -> p.number() > after).toList();
        boolean truncated = parts.size() > max;
        List<Part> page = truncated ? parts.subList(0, max) : parts;
        S3Xml x = S3Xml.root("ListPartsResult").el("Bucket", u.bucket()).el("Key", u.key()).el("UploadId", u.id())
                .el("PartNumberMarker", marker).el("MaxParts", max).el("IsTruncated", truncated)
                .start("Initiator").el("ID", u.account()).el("DisplayName", u.account()).end()
                .start("Owner").el("ID", u.account()).el("DisplayName", u.account()).end().el("StorageClass", "STANDARD");
        if (truncated) {
            x.el("NextPartNumberMarker", page.get(page.size() - 1).number());
        }
        for (Part p : page) {
            x.start("Part").el("PartNumber", p.number()).el("LastModified", S3Xml.time(p.at())).el("ETag", "\"" + p.md5Hex() + "\"")
                    .el("Size", p.size()).end();
        }
        return S3Response.xml(200, x.done());
    }

    S3Response listUploads(S3Gateway.Call c) throws S3Exception, ApiException {
        BucketOps.require(c, Permission.ASSET_READ);
        BucketOps.bucket(g, c);
        String prefix = c.req().param("prefix") == null ? "" : c.req().param("prefix");
        TreeMap<String, Upload> mine = new TreeMap<>();
        for (Upload u : g.uploads.all()) {
            if (u.bucket().equals(c.req().bucket()) && u.key().startsWith(prefix)
                    && (u.account().equals(c.caller().accountId()) || c.caller().isAdmin())) {
                mine.put(u.key() + "\u0000" + u.id(), u);
            }
        }
        S3Xml x = S3Xml.root("ListMultipartUploadsResult").el("Bucket", c.req().bucket()).el("Prefix", prefix)
                .el("MaxUploads", 1000).el("IsTruncated", false);
        int n = 0;
        for (Upload u : mine.values()) {
            if (n++ == 1000) {
                break;
            }
            x.start("Upload").el("Key", u.key()).el("UploadId", u.id()).start("Initiator").el("ID", u.account()).end()
                    .start("Owner").el("ID", u.account()).end().el("StorageClass", "STANDARD")
                    .el("Initiated", S3Xml.time(u.initiated())).end();
        }
        return S3Response.xml(200, x.done());
    }

    private void deleteQuietly(S3Gateway.Call c, String assetId) {
        try {
            g.ports.assets().delete(c.caller(), assetId);
        } catch (ApiException e) {
            if (e.error() != ApiError.NOT_FOUND) {
                org.slf4j.LoggerFactory.getLogger(MultipartOps.class).warn("cannot delete multipart part asset {}: {}", assetId,
                        e.getMessage());
            }
        }
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is part of every JDK", e);
        }
    }

    /** The chosen parts' bytes in order, each part opened only when the previous one is read. */
    private final class PartsStream extends InputStream {
        private final S3Gateway.Call c;
        private final Iterator<Part> next;
        private AssetContent open;
        private final SequenceInputStream seq;

        PartsStream(S3Gateway.Call c, List<Part> parts) {
            this.c = c;
            this.next = parts.iterator();
            this.seq = new SequenceInputStream(new Enumeration<InputStream>() {
                @Override
                public boolean hasMoreElements() {
                    return next.hasNext();
                }

                @Override
                public InputStream nextElement() {
                    return openNext();
                }
            });
        }

        private InputStream openNext() {
            closeOpen();
            Part p = next.next();
            if (p.size() == 0) {
                return InputStream.nullInputStream();
            }
            try {
                open = g.ports.assets().openContent(c.caller(), p.assetId(), 1, ByteRange.whole(p.size()));
                return open.body();
            } catch (ApiException e) {
                throw new java.io.UncheckedIOException(new IOException("part " + p.number() + " cannot be read: " + e.getMessage(), e));
            }
        }

        private void closeOpen() {
            if (open != null) {
                try {
                    open.close();
                } catch (IOException e) {
                    // the part was read to its end; closing frees its reader
                }
                open = null;
            }
        }

        @Override
        public int read() throws IOException {
            return seq.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return seq.read(b, off, len);
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
        }

        @Override
        public void close() {
            closeOpen();
        }
    }
}
