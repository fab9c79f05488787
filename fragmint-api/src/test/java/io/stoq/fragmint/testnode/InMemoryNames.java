package io.stoq.fragmint.testnode;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.ObjectNames;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * TEST DOUBLE of stoq-node's ledger name index: buckets and keys in memory, with the ledger's
 * rules (bucket names as S3 allows, one owner who (or an admin) may use the bucket, delete only
 * when empty, keys sorted by their UTF-8 bytes, at most 1,024 bytes).
 *
 * <p>Thread-safe: every method synchronizes on this.
 */
public final class InMemoryNames implements ObjectNames {
    private static final Comparator<String> UTF8 = (a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8),
            b.getBytes(StandardCharsets.UTF_8));

    private final Clock clock;
    private final Map<String, Bucket> buckets = new TreeMap<>();
    private final Map<String, TreeMap<String, ObjectName>> keys = new TreeMap<>();

    public InMemoryNames(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Bucket createBucket(Caller caller, String bucket) throws ApiException {
        if (!ObjectNames.validBucketName(bucket)) {
            throw new ApiException(ApiError.BAD_REQUEST, "bucket name '" + bucket + "' is not allowed");
        }
        if (buckets.containsKey(bucket)) {
            throw new ApiException(ApiError.CONFLICT, "bucket " + bucket + " exists");
        }
        Bucket b = new Bucket(bucket, caller.accountId(), 0, clock.instant());
        buckets.put(bucket, b);
        keys.put(bucket, new TreeMap<>(UTF8));
        return b;
    }

    private Bucket usable(Caller caller, String bucket) throws ApiException {
        Bucket b = buckets.get(bucket);
        if (b == null) {
            throw new ApiException(ApiError.NOT_FOUND, "no bucket " + bucket);
        }
        if (!b.owner().equals(caller.accountId()) && !caller.isAdmin()) {
            throw new ApiException(ApiError.FORBIDDEN, "bucket " + bucket + " belongs to another account");
        }
        return new Bucket(b.name(), b.owner(), keys.get(bucket).size(), b.created());
    }

    @Override
    public synchronized Bucket bucket(Caller caller, String bucket) throws ApiException {
        return usable(caller, bucket);
    }

    @Override
    public synchronized List<Bucket> buckets(Caller caller) throws ApiException {
        List<Bucket> out = new ArrayList<>();
        for (Bucket b : buckets.values()) {
            if (b.owner().equals(caller.accountId()) || caller.isAdmin()) {
                out.add(usable(caller, b.name()));
            }
        }
        return out;
    }

    @Override
    public synchronized void deleteBucket(Caller caller, String bucket) throws ApiException {
        if (usable(caller, bucket).objects() > 0) {
            throw new ApiException(ApiError.CONFLICT, "bucket " + bucket + " is not empty");
        }
        buckets.remove(bucket);
        keys.remove(bucket);
    }

    @Override
    public synchronized void bind(Caller caller, String bucket, String key, String assetId, long version, byte[] attributes)
            throws ApiException {
        usable(caller, bucket);
        if (key.isEmpty() || key.getBytes(StandardCharsets.UTF_8).length > 1024 || attributes.length > 4096) {
            throw new ApiException(ApiError.BAD_REQUEST, "key or attributes too long");
        }
        keys.get(bucket).put(key, new ObjectName(key, assetId, version, attributes.clone()));
    }

    @Override
    public synchronized void unbind(Caller caller, String bucket, String key) throws ApiException {
        usable(caller, bucket);
        if (keys.get(bucket).remove(key) == null) {
            throw new ApiException(ApiError.NOT_FOUND, "key not bound");
        }
    }

    @Override
    public synchronized Optional<ObjectName> lookup(Caller caller, String bucket, String key) throws ApiException {
        usable(caller, bucket);
        return Optional.ofNullable(keys.get(bucket).get(key));
    }

    @Override
    public synchronized NamePage list(Caller caller, String bucket, String prefix, String after, int limit) throws ApiException {
        usable(caller, bucket);
        List<ObjectName> out = new ArrayList<>();
        boolean fromAfter = !after.isEmpty() && UTF8.compare(after, prefix) >= 0;
        String from = fromAfter ? after : prefix;
        for (Map.Entry<String, ObjectName> e : keys.get(bucket).tailMap(from, !fromAfter).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            if (out.size() == limit) {
                return new NamePage(out, true);
            }
            out.add(e.getValue());
        }
        return new NamePage(out, false);
    }
}
