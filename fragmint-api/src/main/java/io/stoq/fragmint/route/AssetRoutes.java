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
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AssetContent;
import io.stoq.fragmint.port.AssetGrant;
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
                        .header("If-Match", "\"v<N>\": fail with 412 unless the latest version is N")
                        .header("X-Stoq-Name", "optional file name")
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

    static String etag(long version) {
        return "\"v" + version + "\"";
    }

    /**
     * Guard of the owner-only routes that need TOTP: a caller who does not own the asset is refused
     * (403, or 404 when it may not even see it) before it is asked for a second factor.
     */
    private void ownerOrAdmin(Exchange ex) throws ApiException {
        AssetMetadata m = assets.metadata(ex.caller(), ex.pathParam("id"), OptionalLong.empty());
        if (!ex.caller().isAdmin() && !m.owner().equals(ex.caller().accountId())) {
            throw new ApiException(FORBIDDEN, "only the owner of asset '" + m.id() + "' may do this");
        }
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
        return new Reply.Json(201, m, Map.of("Location", "/v1/assets/" + m.id(), "ETag", etag(m.version())));
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
        return new Reply.Json(200, m, Map.of("ETag", etag(m.version())));
    }

    private Reply content(Exchange ex) throws ApiException {
        AssetMetadata m = assets.metadata(ex.caller(), ex.pathParam("id"),
                Params.optionalLong(ex, "version", 1));
        auditAdmin(ex, m.owner());
        ByteRange requested = RangeHeader.resolve(ex.header("Range").orElse(null), m.size());
        ByteRange range = requested != null ? requested : m.size() == 0 ? null : ByteRange.whole(m.size());
        AssetContent content = assets.openContent(ex.caller(), m.id(), m.version(), range);
        return new Reply.Content(content, requested != null, Map.of("ETag", etag(m.version())));
    }

    private Reply update(Exchange ex) throws ApiException, java.io.IOException {
        requireRawBody(ex);
        OptionalLong expected = OptionalLong.empty();
        Optional<String> ifMatch = ex.header("If-Match");
        if (ifMatch.isPresent()) {
            String v = ifMatch.get().trim().replace("\"", "");
            try {
                expected = OptionalLong.of(Long.parseLong(v.startsWith("v") ? v.substring(1) : v));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("If-Match must be a version tag like \"v3\"");
            }
        }
        AssetMetadata m = assets.update(ex.caller(), ex.pathParam("id"), expected, ex.newContent(),
                ex.streamBody());
        auditAdmin(ex, m.owner());
        return new Reply.Json(200, m, Map.of("ETag", etag(m.version())));
    }

    private Reply transfer(Exchange ex) throws ApiException {
        Messages.TransferAsset body = ex.jsonBody(Messages.TransferAsset.class);
        String to = Params.accountId(body.newOwner(), "newOwner");
        if (accounts.account(to).isEmpty()) {
            throw new ApiException(UNPROCESSABLE, "no account '" + to + "' to transfer to");
        }
        auditAdminBefore(ex, ex.pathParam("id"));
        return new Reply.Json(200, assets.transfer(ex.caller(), ex.pathParam("id"), to));
    }

    private Reply deleteAsset(Exchange ex) throws ApiException {
        auditAdminBefore(ex, ex.pathParam("id"));
        assets.delete(ex.caller(), ex.pathParam("id"));
        return new Reply.Empty(204, Map.of());
    }

    private Reply deleteVersion(Exchange ex) throws ApiException {
        long version = Params.pathLong(ex, "version");
        auditAdminBefore(ex, ex.pathParam("id"));
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

    private Reply grant(Exchange ex) throws ApiException {
        Messages.GrantAsset body = ex.jsonBody(Messages.GrantAsset.class);
        String account = Params.accountId(body.account(), "account");
        if (accounts.account(account).isEmpty()) {
            throw new ApiException(UNPROCESSABLE, "no account '" + account + "' to grant read access to");
        }
        auditAdminBefore(ex, ex.pathParam("id"));
        AssetGrant g = assets.grant(ex.caller(), ex.pathParam("id"), account);
        return new Reply.Json(201, g, Map.of("Location", "/v1/assets/" + g.assetId() + "/grants/" + g.account()));
    }

    private Reply grants(Exchange ex) throws ApiException {
        auditAdminBefore(ex, ex.pathParam("id"));
        return new Reply.Json(200, assets.grants(ex.caller(), ex.pathParam("id"), Params.page(ex)));
    }

    private Reply revoke(Exchange ex) throws ApiException {
        auditAdminBefore(ex, ex.pathParam("id"));
        assets.revoke(ex.caller(), ex.pathParam("id"), ex.pathParam("account"));
        return new Reply.Empty(204, Map.of());
    }
}
