package io.stoq.fragmint.s3;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.MultipartUploads;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Open multipart uploads in memory: for the in-memory test node, and the shape every
 * implementation of {@link MultipartUploads} must match (stoq-node keeps them in its node database
 * instead, so they survive a restart).
 *
 * <p>Thread-safe: every method is synchronized.
 */
public final class MemoryUploads implements MultipartUploads {
    private final TreeMap<String, Upload> uploads = new TreeMap<>();
    private final Map<String, TreeMap<Integer, Part>> parts = new TreeMap<>();

    @Override
    public synchronized void create(Upload upload) {
        uploads.put(upload.id(), upload);
        parts.put(upload.id(), new TreeMap<>());
    }

    @Override
    public synchronized Optional<Upload> find(String uploadId) {
        return Optional.ofNullable(uploads.get(uploadId));
    }

    @Override
    public synchronized Optional<Part> putPart(String uploadId, Part part) throws ApiException {
        TreeMap<Integer, Part> of = parts.get(uploadId);
        if (of == null) {
            throw new ApiException(ApiError.NOT_FOUND, "no open multipart upload " + uploadId);
        }
        return Optional.ofNullable(of.put(part.number(), part));
    }

    @Override
    public synchronized List<Part> parts(String uploadId) {
        TreeMap<Integer, Part> of = parts.get(uploadId);
        return of == null ? List.of() : List.copyOf(of.values());
    }

    @Override
    public synchronized void remove(String uploadId) {
        uploads.remove(uploadId);
        parts.remove(uploadId);
    }

    @Override
    public synchronized List<Upload> all() {
        return new ArrayList<>(uploads.values());
    }
}
