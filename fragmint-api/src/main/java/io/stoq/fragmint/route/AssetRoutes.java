package io.stoq.fragmint.route;

import static io.stoq.fragmint.port.ApiError.BAD_REQUEST;
import static io.stoq.fragmint.port.ApiError.CONFLICT;
import static io.stoq.fragmint.port.ApiError.FORBIDDEN;
import static io.stoq.fragmint.port.ApiError.NOT_FOUND;
import static io.stoq.fragmint.port.ApiError.PAYLOAD_TOO_LARGE;
import static io.stoq.fragmint.port.ApiError.PRECONDITION_FAILED;
import static io.stoq.fragmint.port.ApiError.RANGE_NOT_SATISFIABLE;
import static io.stoq.fragmint.port.ApiError.TRUNCATED_BODY;
import static io.stoq.fragmint.port.ApiError.UNPROCESSABLE;
import static io.stoq.fragmint.port.ApiError.UNSUPPORTED_MEDIA_TYPE;
import static io.stoq.fragmint.route.RouteBuilder.delete;
import static io.stoq.fragmint.route.RouteBuilder.get;
import static io.stoq.fragmint.route.RouteBuilder.post;
import static io.stoq.fragmint.route.RouteBuilder.put;

import io.stoq.fragmint.auth.Permission;
import io.stoq.fragmint.conditional.EntityTag;
import io.stoq.fragmint.conditional.Preconditions;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AssetContent;
import io.stoq.fragmint.port.AssetGrant;
import io.stoq.fragmint.port.AssetLocations;
import io.stoq.fragmint.port.AssetMetadata;
import io.stoq.fragmint.port.AssetProof;
import io.stoq.fragmint.port.AssetService;
import io.stoq.fragmint.port.AssetVersion;
import io.stoq.fragmint.port.ByteRange;
import io.stoq.fragmint.port.Page;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The asset core routes ({@code /v1/assets...}). Which assets a caller may see is the
 * {@link AssetService}'s decision (owner, grantees, admins, auditors without content); a caller who
 * may not see an asset gets 404 as if it did not exist. Here every request by an admin on another
 * account's asset is marked so its audit record says {@code ALLOWED_ADMIN_OVERRIDE}. Stateless;
 * thread-safe.
 */
final class AssetRoutes {
    private static final String VERSION_DOC = "version number (default: latest)";

    private final AssetService assets;
    private final AccountStore accounts;

    AssetRoutes(AssetService assets, AccountStore accounts) {
        this.assets = assets;
        this.accounts = accounts;
    }

    List<Route> routes() {
        return List.of(
                post("/v1/assets", "createAsset").needs(Permission.ASSET_WRITE)
                        .summary("Upload a new asset: the raw request body is the content, streamed, any size")
                        .takes(Route.Body.binary()).returns(201, Route.Body.json(AssetMetadata.class))
                        .header("X-Stoq-Name", "optional file name to keep with the asset")
                        .header("X-Stoq-Redundancy", "redundancy policy of this version: replicas:N or erasure:K+M "
                                + "(default: the network's, replicas:3); also as query parameter redundancy")
                        .query("redundancy", "string", "as X-Stoq-Redundancy")
                        .errors(BAD_REQUEST, PAYLOAD_TOO_LARGE, TRUNCATED_BODY, UNSUPPORTED_MEDIA_TYPE)
                        .handle(this::create),
                get("/v1/assets", "listAssets").needs(Permission.ASSET_READ)
                        .summary("List the assets the caller may see, newest first").paged()
                        .query("owner", "string", "only assets of this account")
                        .returns(200, Route.Body.page(AssetMetadata.class)).errors(BAD_REQUEST)
                        .handle(this::list),
                get("/v1/assets/{id}", "getAsset").needs(Permission.ASSET_READ)
                        .summary("Metadata of an asset version").query("version", "integer", VERSION_DOC)
                        .returns(200, Route.Body.json(AssetMetadata.class)).errors(BAD_REQUEST, NOT_FOUND)
                        .handle(this::metadata),
                get("/v1/assets/{id}/content", "getAssetContent").needs(Permission.ASSET_CONTENT_READ)
                        .summary("Download content bytes; supports one HTTP Range (206)")
                        .query("version", "integer", VERSION_DOC)
                        .header("Range", "bytes=first-last, bytes=first- or bytes=-suffix")
                        .returns(200, Route.Body.binary())
                        .errors(BAD_REQUEST, NOT_FOUND, RANGE_NOT_SATISFIABLE).handle(this::content),
                put("/v1/assets/{id}/content", "updateAssetContent").needs(Permission.ASSET_WRITE)
                        .summary("Upload a new version (owner only); older versions stay readable")
                        .header("If-Match", "\"v<N>\" (the content's ETag) or the metadata's ETag: 412 unless the asset "
                                + "is still at that version; also If-None-Match, If-Unmodified-Since")
                        .header("X-Stoq-Name", "optional file name")
                        .header("X-Stoq-Redundancy", "redundancy policy of this version: replicas:N or erasure:K+M "
                                + "(default: the network's, replicas:3); also as query parameter redundancy")
                        .query("redundancy", "string", "as X-Stoq-Redundancy")
                        .takes(Route.Body.binary()).returns(200, Route.Body.json(AssetMetadata.class))
                        .errors(BAD_REQUEST, NOT_FOUND, FORBIDDEN, PRECONDITION_FAILED, PAYLOAD_TOO_LARGE,
                                TRUNCATED_BODY, UNSUPPORTED_MEDIA_TYPE)
                        .handle(this::update),
                post("/v1/assets/{id}/transfers", "transferAsset").needs(Permission.ASSET_TRANSFER)
                        .guard(this::ownerOrAdmin).withTotp().summary("Give the asset to another account (owner only)")
                        .takes(Route.Body.json(Messages.TransferAsset.class))
                        .returns(200, Route.Body.json(AssetMetadata.class))
                        .errors(BAD_REQUEST, NOT_FOUND, FORBIDDEN, UNPROCESSABLE, UNSUPPORTED_MEDIA_TYPE,
                                PAYLOAD_TOO_LARGE)
                        .handle(this::transfer),
                RouteBuilder.delete("/v1/assets/{id}", "deleteAsset").needs(Permission.ASSET_DELETE)
                        .guard(this::ownerOrAdmin).withTotp()
                        .summary("Delete (tombstone) an asset (owner only)").returns(204, Route.Body.NONE)
                        .errors(NOT_FOUND, FORBIDDEN).handle(this::deleteAsset),
                RouteBuilder.delete("/v1/assets/{id}/versions/{version}", "deleteAssetVersion").needs(Permission.ASSET_DELETE)
                        .guard(this::ownerOrAdmin).withTotp()
                        .summary("Delete one earlier version of an asset (owner only); the latest version stays, "
                                + "shards other versions share stay")
                        .returns(204, Route.Body.NONE)
                        .errors(BAD_REQUEST, NOT_FOUND, FORBIDDEN, CONFLICT).handle(this::deleteVersion),
                get("/v1/assets/{id}/history", "getAssetHistory").needs(Permission.ASSET_READ)
                        .summary("Every change to the asset, oldest first").paged()
                        .returns(200, Route.Body.page(AssetVersion.class)).errors(BAD_REQUEST, NOT_FOUND)
                        .handle(this::history),
                get("/v1/assets/{id}/proof", "getAssetProof").needs(Permission.PROOF_READ)
                        .summary("Ledger inclusion proof of an asset version, checkable offline")
                        .query("version", "integer", VERSION_DOC)
                        .returns(200, Route.Body.json(AssetProof.class)).errors(BAD_REQUEST, NOT_FOUND)
                        .handle(this::proof),
                get("/v1/assets/{id}/locations", "getAssetLocations").needs(Permission.ASSET_READ)
                        .summary("Per shard, the nodes that hold it according to the ledger's location proofs")
                        .query("version", "integer", VERSION_DOC)
                        .returns(200, Route.Body.json(AssetLocations.class)).errors(BAD_REQUEST, NOT_FOUND)
                        .handle(this::locations),
                post("/v1/assets/{id}/grants", "createAssetGrant").needs(Permission.ASSET_GRANT)
                        .guard(this::ownerOrAdmin).withTotp()
                        .summary("Let another account read the asset (owner only)")
                        .takes(Route.Body.json(Messages.GrantAsset.class))
                        .returns(201, Route.Body.json(AssetGrant.class))
                        .errors(BAD_REQUEST, NOT_FOUND, FORBIDDEN, CONFLICT, UNPROCESSABLE, UNSUPPORTED_MEDIA_TYPE,
                                PAYLOAD_TOO_LARGE)
                        .handle(this::grant),
                get("/v1/assets/{id}/grants", "listAssetGrants").needs(Permission.ASSET_GRANT)
                        .summary("Accounts the owner let read the asset, oldest first (owner only)").paged()
                        .returns(200, Route.Body.page(AssetGrant.class)).errors(BAD_REQUEST, NOT_FOUND)
                        .handle(this::grants),
                RouteBuilder.delete("/v1/assets/{id}/grants/{account}", "revokeAssetGrant")
                        .needs(Permission.ASSET_GRANT)
                        .summary("Take an account's read grant back (owner only)").returns(204, Route.Body.NONE)
                        .errors(NOT_FOUND, FORBIDDEN).handle(this::revoke));
    }

    /** Marks the request when an admin acts on an asset {@code owner} holds (audited as an override). */
    private static void auditAdmin(Exchange ex, String owner) {
        if (ex.caller().isAdmin() && !ex.caller().accountId().equals(owner)) {
            ex.adminOverride();
        }
    }

    /** As {@link #auditAdmin}, when the operation's answer does not name the owner (admins only pay the lookup). */
    private void auditAdminBefore(Exchange ex, String id) throws ApiException {
        if (ex.caller().isAdmin()) {
            auditAdmin(ex, assets.metadata(ex.caller(), id, OptionalLong.empty()).owner());
        }
    }

    /** The strong tag of a version's content: its bytes never change, so the version names them. */
    static EntityTag contentTag(long version) {
        return EntityTag.strong("v" + version);
    }

    /**
     * The strong tag of a version's metadata document. Everything in it is fixed per version
     * except the owner, so the tag is the version and a hash of the owner's account id.
     */
    static EntityTag metadataTag(AssetMetadata m) {
        byte[] owner = m.owner().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return EntityTag.strong("v" + m.version() + "-" + java.util.HexFormat.of().formatHex(
                io.stoq.crypto.hash.Sha3.hash(owner).toBytes(), 0, 4));
    }

    /** ETag and Last-Modified of a representation. */
    private static Map<String, String> validatorHeaders(EntityTag tag, AssetMetadata m) {
        return Map.of("ETag", tag.header(), "Last-Modified", Preconditions.httpDate(m.updatedAt()));
    }

    /**
     * Evaluates the request's conditional fields against {@code current}: 304 (returned, for
     * reads) or 412 (thrown); null to go on. A malformed entity-tag list is 400.
     */
    private static Reply preconditions(Exchange ex, Preconditions.Validators current, Map<String, String> validatorHeaders)
            throws ApiException {
        Preconditions.Decision d;
        try {
            d = Preconditions.evaluate(ex.method(), ex.preconditions(), current);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("If-Match and If-None-Match take \"*\" or quoted entity tags like \"v3\": "
                    + e.getMessage());
        }
        return switch (d) {
            case PROCEED -> null;
            case NOT_MODIFIED -> new Reply.Empty(304, validatorHeaders);
            case PRECONDITION_FAILED -> throw new ApiException(PRECONDITION_FAILED,
                    "the asset is not in the state the request's conditions name (it is at version "
                            + current.tags().get(0).opaque().substring(1) + ")");
        };
    }

    /** The current validators of an asset, for a write: its latest content tag and metadata tag. */
    private static Preconditions.Validators forWrite(AssetMetadata latest) {
        return Preconditions.Validators.of(latest.updatedAt(), contentTag(latest.version()), metadataTag(latest));
    }

    /**
     * Checks a write's conditions against the asset's latest state, after who may write: a caller
     * who may not see the asset gets 404 and one who may not change it 403, never a 412 that
     * would confirm a version. Returns that state.
     */
    private AssetMetadata checkWrite(Exchange ex) throws ApiException {
        AssetMetadata latest = requireOwnerOrAdmin(ex);
        if (ex.preconditions().any()) {
            preconditions(ex, forWrite(latest), Map.of());
        }
        return latest;
    }

    /**
     * Guard of the owner-only routes that need TOTP: a caller who does not own the asset is refused
     * (403, or 404 when it may not even see it) before it is asked for a second factor.
     */
    private void ownerOrAdmin(Exchange ex) throws ApiException {
        requireOwnerOrAdmin(ex);
    }

    private AssetMetadata requireOwnerOrAdmin(Exchange ex) throws ApiException {
        AssetMetadata m = assets.metadata(ex.caller(), ex.pathParam("id"), OptionalLong.empty());
        if (!ex.caller().isAdmin() && !m.owner().equals(ex.caller().accountId())) {
            throw new ApiException(FORBIDDEN, "only the owner of asset '" + m.id() + "' may do this");
        }
        return m;
    }

    private static void requireRawBody(Exchange ex) throws ApiException {
        String type = ex.newContent().contentType().toLowerCase(java.util.Locale.ROOT);
        if (type.startsWith("multipart/") || type.startsWith("application/x-www-form-urlencoded")) {
            throw new ApiException(ApiError.UNSUPPORTED_MEDIA_TYPE,
                    "send the file's raw bytes as the body, not a form (" + type + ")");
        }
    }

    private Reply create(Exchange ex) throws ApiException, java.io.IOException {
        requireRawBody(ex);
        AssetMetadata m = assets.create(ex.caller(), ex.newContent(), ex.streamBody());
        return new Reply.Json(201, m, Map.of("Location", "/v1/assets/" + m.id(), "ETag", metadataTag(m).header()));
    }

    private Reply list(Exchange ex) throws ApiException {
        Optional<String> owner = ex.query("owner");
        Page<AssetMetadata> page = assets.list(ex.caller(), owner.orElse(null), Params.page(ex));
        page.items().forEach(m -> auditAdmin(ex, m.owner()));
        return new Reply.Json(200, page);
    }

    private Reply metadata(Exchange ex) throws ApiException {
        AssetMetadata m = assets.metadata(ex.caller(), ex.pathParam("id"),
                Params.optionalLong(ex, "version", 1));
        auditAdmin(ex, m.owner());
        EntityTag tag = metadataTag(m);
        Map<String, String> validators = validatorHeaders(tag, m);
        Reply notModified = preconditions(ex, Preconditions.Validators.of(m.updatedAt(), tag), validators);
        return notModified != null ? notModified : new Reply.Json(200, m, validators);
    }

    private Reply content(Exchange ex) throws ApiException, java.io.IOException {
        AssetMetadata m = assets.metadata(ex.caller(), ex.pathParam("id"),
                Params.optionalLong(ex, "version", 1));
        auditAdmin(ex, m.owner());
        EntityTag tag = contentTag(m.version());
        Map<String, String> validators = validatorHeaders(tag, m);
        Preconditions.Validators current = Preconditions.Validators.of(m.updatedAt(), tag);
        Reply notModified = preconditions(ex, current, validators);
        if (notModified != null) {
            assets.openContent(ex.caller(), m.id(), m.version(), null).close(); // content access is checked all the same
            return notModified;
        }
        // If-Range: a resumed download whose validator is stale gets the whole content (RFC 9110 13.1.5)
        String rangeField = Preconditions.rangeApplies(ex.header("If-Range").orElse(null), current) ? ex.header("Range").orElse(null)
                : null;
        ByteRange requested = RangeHeader.resolve(rangeField, m.size());
        ByteRange range = requested != null ? requested : m.size() == 0 ? null : ByteRange.whole(m.size());
        if (ex.method().equals("HEAD")) { // the answer a GET would get, without reading a shard
            assets.openContent(ex.caller(), m.id(), m.version(), null).close();
            return new Reply.Content(new AssetContent(m, range, java.io.InputStream.nullInputStream()), requested != null, validators);
        }
        AssetContent content = assets.openContent(ex.caller(), m.id(), m.version(), range);
        return new Reply.Content(content, requested != null, validators);
    }

    private Reply update(Exchange ex) throws ApiException, java.io.IOException {
        requireRawBody(ex);
        OptionalLong expected = OptionalLong.empty();
        if (ex.preconditions().any()) {
            // The conditions hold for this version; the ledger commits the new one only on top of it,
            // so of two writers with the same condition exactly one wins and the other gets 412.
            expected = OptionalLong.of(checkWrite(ex).version());
        }
        AssetMetadata m = assets.update(ex.caller(), ex.pathParam("id"), expected, ex.newContent(),
                ex.streamBody());
        auditAdmin(ex, m.owner());
        return new Reply.Json(200, m, Map.of("ETag", metadataTag(m).header()));
    }

    private Reply transfer(Exchange ex) throws ApiException {
        Messages.TransferAsset body = ex.jsonBody(Messages.TransferAsset.class);
        String to = Params.accountId(body.newOwner(), "newOwner");
        if (accounts.account(to).isEmpty()) {
            throw new ApiException(UNPROCESSABLE, "no account '" + to + "' to transfer to");
        }
        auditAdminBefore(ex, ex.pathParam("id"));
        checkWrite(ex);
        return new Reply.Json(200, assets.transfer(ex.caller(), ex.pathParam("id"), to));
    }

    private Reply deleteAsset(Exchange ex) throws ApiException {
        auditAdminBefore(ex, ex.pathParam("id"));
        checkWrite(ex);
        assets.delete(ex.caller(), ex.pathParam("id"));
        return new Reply.Empty(204, Map.of());
    }

    private Reply deleteVersion(Exchange ex) throws ApiException {
        long version = Params.pathLong(ex, "version");
        auditAdminBefore(ex, ex.pathParam("id"));
        checkWrite(ex);
        assets.deleteVersion(ex.caller(), ex.pathParam("id"), version);
        return new Reply.Empty(204, Map.of());
    }

    private Reply history(Exchange ex) throws ApiException {
        auditAdminBefore(ex, ex.pathParam("id"));
        return new Reply.Json(200, assets.history(ex.caller(), ex.pathParam("id"), Params.page(ex)));
    }

    private Reply proof(Exchange ex) throws ApiException {
        auditAdminBefore(ex, ex.pathParam("id"));
        return new Reply.Json(200, assets.proof(ex.caller(), ex.pathParam("id"),
                Params.optionalLong(ex, "version", 1)));
    }

    private Reply locations(Exchange ex) throws ApiException {
        auditAdminBefore(ex, ex.pathParam("id"));
        return new Reply.Json(200, assets.locations(ex.caller(), ex.pathParam("id"),
                Params.optionalLong(ex, "version", 1)));
    }

    private Reply grant(Exchange ex) throws ApiException {
        Messages.GrantAsset body = ex.jsonBody(Messages.GrantAsset.class);
        String account = Params.accountId(body.account(), "account");
        if (accounts.account(account).isEmpty()) {
            throw new ApiException(UNPROCESSABLE, "no account '" + account + "' to grant read access to");
        }
        auditAdminBefore(ex, ex.pathParam("id"));
        checkWrite(ex);
        AssetGrant g = assets.grant(ex.caller(), ex.pathParam("id"), account);
        return new Reply.Json(201, g, Map.of("Location", "/v1/assets/" + g.assetId() + "/grants/" + g.account()));
    }

    private Reply grants(Exchange ex) throws ApiException {
        auditAdminBefore(ex, ex.pathParam("id"));
        return new Reply.Json(200, assets.grants(ex.caller(), ex.pathParam("id"), Params.page(ex)));
    }

    private Reply revoke(Exchange ex) throws ApiException {
        auditAdminBefore(ex, ex.pathParam("id"));
        checkWrite(ex);
        assets.revoke(ex.caller(), ex.pathParam("id"), ex.pathParam("account"));
        return new Reply.Empty(204, Map.of());
    }
}
