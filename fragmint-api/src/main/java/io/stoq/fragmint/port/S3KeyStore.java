package io.stoq.fragmint.port;

import java.util.List;
import java.util.Optional;

/**
 * S3 access keys of accounts, implemented by stoq-node. The secret is kept sealed by the node
 * (its secrets key) and opened only to check a request's signature: SigV4 needs the secret
 * itself, not a hash of it, which is why it is sealed rather than hashed like API keys.
 */
public interface S3KeyStore {

    /** A node without S3 keys: every call is {@link ApiError#UNAVAILABLE}, lookups find nothing. */
    S3KeyStore NONE = new S3KeyStore() {
        @Override
        public S3Key create(String accountId) throws ApiException {
            throw new ApiException(ApiError.UNAVAILABLE, "this node keeps no S3 keys");
        }

        @Override
        public Optional<S3Key> find(String accessKeyId) {
            return Optional.empty();
        }

        @Override
        public List<S3Key> list(String accountId) {
            return List.of();
        }

        @Override
        public void revoke(String accountId, String accessKeyId) throws ApiException {
            throw new ApiException(ApiError.NOT_FOUND, "this node keeps no S3 keys");
        }
    };

    /** Makes a new key pair for {@code accountId}; the secret is returned only here. */
    S3Key create(String accountId) throws ApiException;

    /** The key with access key id {@code accessKeyId} and its secret, when it exists and is not revoked. */
    Optional<S3Key> find(String accessKeyId) throws ApiException;

    /** The account's live keys (secrets blanked). */
    List<S3Key> list(String accountId) throws ApiException;

    /** Revokes a key of the account; {@link ApiError#NOT_FOUND} when it is not the account's live key. */
    void revoke(String accountId, String accessKeyId) throws ApiException;

    /**
     * An S3 access key.
     *
     * @param accessKeyId public id (20 upper-case letters and digits, as AWS's)
     * @param accountId the account it acts for
     * @param secret the secret access key (empty in listings); never logged
     * @param created when it was made
     */
    record S3Key(String accessKeyId, String accountId, String secret, java.time.Instant created) {
        @Override
        public String toString() {
            return "S3Key[" + accessKeyId + ", " + accountId + "]";
        }
    }
}
