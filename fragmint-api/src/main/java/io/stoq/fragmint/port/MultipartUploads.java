package io.stoq.fragmint.port;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The S3 gateway's open multipart uploads and the parts uploaded so far, implemented by stoq-node
 * in its node database, so an upload survives a restart of the node that took it: a client that
 * resumes after the restart lists its parts, uploads the rest and completes. Each part's bytes
 * are an asset of their own (owned by the uploader); this store holds only the bookkeeping.
 *
 * <p>Implementations are thread-safe; each call is atomic and, once it returns, durable.
 */
public interface MultipartUploads {

    /**
     * An open upload.
     *
     * @param id the upload id clients quote (32 hex digits)
     * @param bucket the bucket it will complete into
     * @param key the object key it will complete as (up to 1,024 bytes of UTF-8)
     * @param account the uploader; only it (or an admin) may use the upload
     * @param contentType the object's Content-Type
     * @param meta the object's {@code x-amz-meta-*} pairs
     * @param initiated when it was created
     */
    record Upload(String id, String bucket, String key, String account, String contentType, Map<String, String> meta,
            Instant initiated) {
        public Upload {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(contentType, "contentType");
            meta = Map.copyOf(meta);
            Objects.requireNonNull(initiated, "initiated");
        }
    }

    /**
     * One uploaded part.
     *
     * @param number 1..10000
     * @param assetId the asset holding its bytes
     * @param size its length in bytes
     * @param md5Hex the hex MD5 of its bytes (its ETag)
     * @param at when it was uploaded
     */
    record Part(int number, String assetId, long size, String md5Hex, Instant at) {
        public Part {
            Objects.requireNonNull(assetId, "assetId");
            Objects.requireNonNull(md5Hex, "md5Hex");
            Objects.requireNonNull(at, "at");
        }
    }

    /** Records a new upload. */
    void create(Upload upload) throws ApiException;

    /** The open upload with this id. */
    Optional<Upload> find(String uploadId) throws ApiException;

    /**
     * Records {@code part} for the upload, in place of an earlier part with its number, which is
     * returned (its asset is the caller's to delete).
     */
    Optional<Part> putPart(String uploadId, Part part) throws ApiException;

    /** The upload's parts, by ascending number. */
    List<Part> parts(String uploadId) throws ApiException;

    /** Forgets the upload and its parts (completed or aborted); their assets are the caller's to delete. */
    void remove(String uploadId) throws ApiException;

    /** Every open upload (for ListMultipartUploads), by id. */
    List<Upload> all() throws ApiException;
}
