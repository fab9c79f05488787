package io.stoq.fragmint.port;

import java.util.List;
import java.util.Optional;

/**
 * The S3 name space: buckets and the object keys bound in them, implemented by stoq-node as
 * ledger state (tx types BUCKET_CREATE, BUCKET_DELETE, NAME_BIND; docs/ledger.md), so names
 * survive restarts and are the same on every node. A key names one version of one asset; the
 * asset itself is read and written through {@link AssetService}, with its own access rules.
 *
 * <p>Who may use a bucket: its owner, and admins (the gateway audits such use as an admin
 * override). Anyone else gets {@link ApiError#FORBIDDEN} (S3's AccessDenied): bucket names are
 * one network-wide name space, as in S3, so a name's existence is no secret. Every change
 * returns once its ledger block is durable. Calls may block.
 */
public interface ObjectNames {

    /** Creates {@code bucket} owned by the caller. {@link ApiError#CONFLICT} when the name is taken; {@link ApiError#BAD_REQUEST} for a name S3 does not allow. */
    Bucket createBucket(Caller caller, String bucket) throws ApiException;

    /** The bucket; {@link ApiError#NOT_FOUND} when there is none, {@link ApiError#FORBIDDEN} when the caller may not use it. */
    Bucket bucket(Caller caller, String bucket) throws ApiException;

    /** The buckets the caller owns (an admin: every bucket), in name order. */
    List<Bucket> buckets(Caller caller) throws ApiException;

    /** Deletes an empty bucket; {@link ApiError#CONFLICT} while it holds keys. */
    void deleteBucket(Caller caller, String bucket) throws ApiException;

    /**
     * Binds {@code key} (at most 1,024 bytes of UTF-8) to version {@code version} of asset
     * {@code assetId}, replacing an earlier binding; {@code attributes} are the gateway's opaque
     * object attributes (at most 4 KiB).
     */
    void bind(Caller caller, String bucket, String key, String assetId, long version, byte[] attributes)
            throws ApiException;

    /** Removes {@code key}'s binding; {@link ApiError#NOT_FOUND} when it is not bound. */
    void unbind(Caller caller, String bucket, String key) throws ApiException;

    /** What {@code key} is bound to, if anything. */
    Optional<ObjectName> lookup(Caller caller, String bucket, String key) throws ApiException;

    /**
     * Up to {@code limit} keys starting with {@code prefix} and sorting after {@code after}
     * (empty: from the first), in UTF-8 byte order. An ordered range read: a page costs the page,
     * never a scan of the bucket or of the network's assets.
     */
    NamePage list(Caller caller, String bucket, String prefix, String after, int limit) throws ApiException;

    /**
     * Whether {@code name} is a bucket name S3 allows for new buckets (and the ledger accepts):
     * 3..63 of lower-case letters, digits, dots and hyphens, starting and ending with a letter or
     * digit, no two dots in a row.
     */
    static boolean validBucketName(String name) {
        return name != null && name.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]") && !name.contains("..");
    }

    /**
     * A bucket.
     *
     * @param name the bucket name
     * @param owner the owning account id
     * @param objects how many keys are bound in it
     * @param created when its creation was committed
     */
    record Bucket(String name, String owner, long objects, java.time.Instant created) {}

    /**
     * One bound key.
     *
     * @param key the object key
     * @param assetId the asset it names
     * @param version the asset version it names
     * @param attributes the gateway's attributes stored with the binding
     */
    record ObjectName(String key, String assetId, long version, byte[] attributes) {}

    /**
     * One page of a listing.
     *
     * @param names the keys in order
     * @param truncated true when more keys under the prefix follow the last one
     */
    record NamePage(List<ObjectName> names, boolean truncated) {
        public NamePage {
            names = List.copyOf(names);
        }
    }
}
