package io.stoq.fragmint.port;

import java.io.InputStream;
import java.util.OptionalLong;

/**
 * The asset core, implemented by stoq-node (shard pipeline + ledger). Every method may block and
 * is called on an API worker thread, never on a network event loop. Authorisation by role has
 * already happened; ownership and read access ("may this caller see or change this asset?") are
 * the service's to check, because the ledger is the authority on owners and grants.
 *
 * <p>Who may see an asset (docs/security-access.md): its owner, accounts holding a live read
 * grant, admins (the API audits such reads), and auditors (metadata, history and proof, never
 * content). Every method that names an asset answers {@link ApiError#NOT_FOUND}, exactly as for
 * a missing asset, to a caller who may not see it, so ids are no existence oracle; a caller who
 * may see it but not change it gets {@link ApiError#FORBIDDEN} on writes. {@link #list} shows only
 * what the caller may see.
 *
 * <p>Streaming contract for {@link #create} and {@link #update}: {@code body} delivers the request
 * body as it arrives, with backpressure (the network stops reading while the service is slow).
 * {@code read} returns -1 only at the true end of a complete body; if the body will never
 * complete it throws {@link BodyAbortedException}. The service must commit nothing unless it read
 * to -1, so an aborted upload leaves no asset and no version behind.
 */
public interface AssetService {

    /** Stores a new asset owned by the caller and returns its version-1 metadata once durable. */
    AssetMetadata create(Caller caller, NewContent content, InputStream body)
            throws ApiException, java.io.IOException;

    /** Metadata of the latest version, or of {@code version} when given. */
    AssetMetadata metadata(Caller caller, String id, OptionalLong version) throws ApiException;

    /** Lists assets visible to the caller, newest first; {@code owner} filters when not null. */
    Page<AssetMetadata> list(Caller caller, String owner, PageRequest page) throws ApiException;

    /**
     * Opens exactly {@code range} of the given version's plaintext ({@code range} is null for an
     * empty content). The caller closes the result.
     */
    AssetContent openContent(Caller caller, String id, long version, ByteRange range)
            throws ApiException;

    /**
     * Stores a new version. When {@code expectedVersion} is present and is not the latest version,
     * fails with {@link ApiError#PRECONDITION_FAILED} before reading the body. Only the owner (or
     * an admin) may update.
     */
    AssetMetadata update(Caller caller, String id, OptionalLong expectedVersion, NewContent content,
            InputStream body) throws ApiException, java.io.IOException;

    /** Moves ownership to {@code newOwner}; only the owner (or an admin). */
    AssetMetadata transfer(Caller caller, String id, String newOwner) throws ApiException;

    /** Writes a tombstone; the asset then answers 404. Only the owner (or an admin). */
    void delete(Caller caller, String id) throws ApiException;

    /**
     * Deletes {@code version}, an earlier version than the latest, once the deletion is committed:
     * its metadata, content and proof then answer {@link ApiError#NOT_FOUND} as for a version that
     * never was, its history entries stay, and its content is freed once no other version uses
     * it. {@link ApiError#CONFLICT} for the latest version (delete the asset instead);
     * {@link ApiError#NOT_FOUND} for a version that does not exist or is deleted already. Only the
     * owner (or an admin).
     */
    void deleteVersion(Caller caller, String id, long version) throws ApiException;

    /**
     * Changes to the asset, oldest first. A grantee sees only its own grant and revocation
     * entries, never who else was granted.
     */
    Page<AssetVersion> history(Caller caller, String id, PageRequest page) throws ApiException;

    /** Ledger inclusion proof of the latest version, or of {@code version} when given. */
    AssetProof proof(Caller caller, String id, OptionalLong version) throws ApiException;

    /**
     * Where the shards of the latest version, or of {@code version}, are stored, per the ledger's
     * location proofs. Whoever may see the asset's metadata may see this.
     */
    AssetLocations locations(Caller caller, String id, OptionalLong version) throws ApiException;

    /**
     * Lets {@code account} (an existing account) read the asset, and returns the grant once it is
     * committed. Only the owner (or an admin, acting for it). {@link ApiError#CONFLICT} when the
     * account already has a grant; {@link ApiError#UNPROCESSABLE} for an unknown account or the
     * owner itself.
     */
    AssetGrant grant(Caller caller, String id, String account) throws ApiException;

    /**
     * Ends {@code account}'s read grant once the revocation is committed. Only the owner (or an
     * admin); {@link ApiError#NOT_FOUND} when the account holds no grant on the asset.
     */
    void revoke(Caller caller, String id, String account) throws ApiException;

    /** The asset's live read grants, oldest first. Only the owner (or an admin). */
    Page<AssetGrant> grants(Caller caller, String id, PageRequest page) throws ApiException;
}
