package io.stoq.fragmint.s3;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * What S3 keeps about an object beyond its bytes, stored with the key's binding on the ledger
 * (NAME_BIND's opaque attributes, at most 4 KiB): the ETag clients check, the Content-Type and
 * the user metadata ({@code x-amz-meta-*}, names lower-cased, at most 2 KiB as in S3), and for a
 * multipart object its part count.
 *
 * @param etag the ETag without quotes: hex MD5 of the bytes, or {@code md5-of-md5s-N} for multipart
 * @param contentType the media type given at upload
 * @param metadata user metadata, names without the {@code x-amz-meta-} prefix
 * @param parts multipart part count, 0 for a single PUT
 * @param size the object's size in bytes (listings answer from the name index alone)
 * @param modified when the version was committed
 */
record ObjectAttributes(String etag, String contentType, Map<String, String> metadata, int parts, long size,
        java.time.Instant modified) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** S3's limit on user metadata (names and values, UTF-8). */
    static final int MAX_USER_METADATA = 2048;

    ObjectAttributes {
        metadata = Map.copyOf(new TreeMap<>(metadata));
    }

    byte[] encode() {
        try {
            return JSON.writeValueAsBytes(Map.of("v", 1, "etag", etag, "type", contentType, "meta", metadata, "parts", parts,
                    "size", size, "mtime", modified.toEpochMilli()));
        } catch (IOException e) {
            throw new IllegalStateException("JSON of plain strings cannot fail", e);
        }
    }

    @SuppressWarnings("unchecked")
    static ObjectAttributes decode(byte[] bytes) {
        try {
            Map<String, Object> m = JSON.readValue(bytes, Map.class);
            return new ObjectAttributes((String) m.get("etag"), (String) m.getOrDefault("type", "application/octet-stream"),
                    (Map<String, String>) m.getOrDefault("meta", Map.of()), ((Number) m.getOrDefault("parts", 0)).intValue(),
                    ((Number) m.getOrDefault("size", 0)).longValue(),
                    java.time.Instant.ofEpochMilli(((Number) m.getOrDefault("mtime", 0)).longValue()));
        } catch (IOException | ClassCastException e) {
            return new ObjectAttributes("", "application/octet-stream", Map.of(), 0, 0, java.time.Instant.EPOCH); // written by something else: serve the bytes anyway
        }
    }

    /** The quoted ETag header value. */
    String quotedEtag() {
        return "\"" + etag + "\"";
    }
}
