package io.stoq.fragmint.port;

import java.time.Instant;

/**
 * One entry of an asset's history, as recorded on the ledger.
 *
 * @param version the asset version after this change
 * @param change what happened
 * @param actor account that made the change
 * @param owner owner after the change
 * @param size plaintext size in bytes of this version's content
 * @param sha256 hex SHA-256 of the content (versions written since content digests moved to
 *     SHA-256), else null; null too for an entry whose version record could not be read
 * @param sha3 hex SHA3-256 of the content for versions written before that, else null
 * @param merkleRoot hex merkle root
 * @param blockHeight ledger block holding the change
 * @param at commit time
 * @param grantee the account granted or revoked read access (GRANT and REVOKE only, else null)
 */
public record AssetVersion(
        long version,
        Change change,
        String actor,
        String owner,
        long size,
        @Nullable String sha256,
        @Nullable String sha3,
        String merkleRoot,
        long blockHeight,
        Instant at,
        @Nullable String grantee) {

    /** An entry that is not a grant or a revocation. */
    public AssetVersion(long version, Change change, String actor, String owner, long size, @Nullable String sha256,
            @Nullable String sha3, String merkleRoot, long blockHeight, Instant at) {
        this(version, change, actor, owner, size, sha256, sha3, merkleRoot, blockHeight, at, null);
    }

    /** Kinds of change recorded in history. */
    public enum Change {
        /** First upload. */
        CREATE,
        /** New content version. */
        UPDATE,
        /** Ownership moved to another account (content unchanged); every read grant ends. */
        TRANSFER,
        /** Tombstone: the asset is gone for readers. */
        DELETE,
        /** The owner let {@code grantee} read the asset. */
        GRANT,
        /** The owner took {@code grantee}'s read grant back. */
        REVOKE,
        /** One earlier version ({@code version}) was deleted; the asset and its later versions stay. */
        VERSION_DELETE
    }
}
