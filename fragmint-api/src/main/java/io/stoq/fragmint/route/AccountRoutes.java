package io.stoq.fragmint.route;

import static io.stoq.fragmint.port.ApiError.BAD_REQUEST;
import static io.stoq.fragmint.port.ApiError.CONFLICT;
import static io.stoq.fragmint.port.ApiError.FORBIDDEN;
import static io.stoq.fragmint.port.ApiError.NOT_FOUND;
import static io.stoq.fragmint.port.ApiError.PAYLOAD_TOO_LARGE;
import static io.stoq.fragmint.port.ApiError.UNPROCESSABLE;
import static io.stoq.fragmint.port.ApiError.UNSUPPORTED_MEDIA_TYPE;
import static io.stoq.fragmint.route.RouteBuilder.delete;
import static io.stoq.fragmint.route.RouteBuilder.get;
import static io.stoq.fragmint.route.RouteBuilder.post;
import static io.stoq.fragmint.route.RouteBuilder.put;

import io.stoq.fragmint.auth.AccessControl;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.auth.EnrollmentCodes;
import io.stoq.fragmint.auth.Permission;
import io.stoq.fragmint.auth.Sessions;
import io.stoq.fragmint.auth.Totp;
import io.stoq.fragmint.port.Account;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.TotpSecret;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Accounts, roles, API keys, TOTP enrollment and lockout, and sessions. Key and role changes need
 * TOTP; a caller manages its own keys with {@code SELF_SERVICE}, anyone else's only with
 * {@code KEY_ADMIN}, and that target check is a route {@link Guard}, so it answers 403 before the
 * second factor is asked for. The first TOTP secret of an account needs a one-time enrollment code
 * that an admin (with its own TOTP) created, so a stolen API key alone cannot enroll one.
 * Stateless apart from the injected stores; thread-safe.
 */
final class AccountRoutes {
    private static final String TOTP_ISSUER = "STOQ";
    /** Request header carrying a one-time TOTP enrollment code. */
    static final String ENROLLMENT_CODE_HEADER = "X-Stoq-Enrollment-Code";

    private final AccountStore accounts;
    private final AccessControl access;
    private final Clock clock;

    private final io.stoq.fragmint.port.S3KeyStore s3Keys;

    AccountRoutes(AccountStore accounts, io.stoq.fragmint.port.S3KeyStore s3Keys, AccessControl access, Clock clock) {
        this.accounts = accounts;
        this.s3Keys = s3Keys;
        this.access = access;
        this.clock = clock;
    }

    List<Route> routes() {
        return List.of(
                get("/v1/me", "getMe").needs(Permission.SELF_SERVICE)
                        .summary("The calling account, its permissions and second-factor state")
                        .returns(200, Route.Body.json(Messages.Me.class)).handle(this::me),
                get("/v1/accounts", "listAccounts").needs(Permission.ACCOUNT_READ).summary("List accounts")
                        .paged().returns(200, Route.Body.page(Account.class)).errors(BAD_REQUEST)
                        .handle(ex -> new Reply.Json(200, accounts.accounts(Params.page(ex)))),
                post("/v1/accounts", "createAccount").needs(Permission.ACCOUNT_ADMIN).withTotp()
                        .summary("Create an account with a role")
                        .takes(Route.Body.json(Messages.CreateAccount.class))
                        .returns(201, Route.Body.json(Account.class))
                        .errors(BAD_REQUEST, CONFLICT, UNPROCESSABLE, UNSUPPORTED_MEDIA_TYPE, PAYLOAD_TOO_LARGE)
                        .handle(this::createAccount),
                get("/v1/accounts/{id}", "getAccount").needs(Permission.ACCOUNT_READ).summary("One account")
                        .returns(200, Route.Body.json(Account.class)).errors(NOT_FOUND)
                        .handle(ex -> new Reply.Json(200, find(ex.pathParam("id")))),
                put("/v1/accounts/{id}/role", "setAccountRole").needs(Permission.ACCOUNT_ADMIN).withTotp()
                        .summary("Change an account's role (ends its sessions)")
                        .takes(Route.Body.json(Messages.SetRole.class))
                        .returns(200, Route.Body.json(Account.class))
                        .errors(BAD_REQUEST, NOT_FOUND, UNPROCESSABLE, UNSUPPORTED_MEDIA_TYPE, PAYLOAD_TOO_LARGE)
                        .handle(this::setRole),
                get("/v1/accounts/{id}/keys", "listApiKeys").needs(Permission.SELF_SERVICE)
                        .guard(this::selfOrKeyAdmin)
                        .summary("API keys of an account (own, or any with KEY_ADMIN); never the secrets")
                        .returns(200, Route.Body.list(Messages.KeyInfo.class)).errors(FORBIDDEN, NOT_FOUND)
                        .handle(this::listKeys),
                post("/v1/accounts/{id}/keys", "createApiKey").needs(Permission.SELF_SERVICE)
                        .guard(this::selfOrKeyAdmin).withTotp()
                        .summary("Create an API key; the response is the only time the key is shown")
                        .takes(Route.Body.json(Messages.CreateKey.class))
                        .returns(201, Route.Body.json(Messages.CreatedKey.class))
                        .errors(BAD_REQUEST, FORBIDDEN, NOT_FOUND, UNPROCESSABLE, UNSUPPORTED_MEDIA_TYPE,
                                PAYLOAD_TOO_LARGE)
                        .handle(this::createKey),
                delete("/v1/accounts/{id}/keys/{keyId}", "revokeApiKey").needs(Permission.SELF_SERVICE)
                        .guard(this::selfOrKeyAdmin).withTotp()
                        .summary("Revoke an API key (ends the sessions it opened)")
                        .returns(204, Route.Body.NONE).errors(FORBIDDEN, NOT_FOUND).handle(this::revokeKey),
                get("/v1/accounts/{id}/s3-keys", "listS3Keys").needs(Permission.SELF_SERVICE)
                        .guard(this::selfOrKeyAdmin)
                        .summary("S3 access keys of an account (own, or any with KEY_ADMIN); never the secrets")
                        .returns(200, Route.Body.list(Messages.S3KeyInfo.class)).errors(FORBIDDEN, NOT_FOUND)
                        .handle(this::listS3Keys),
                post("/v1/accounts/{id}/s3-keys", "createS3Key").needs(Permission.SELF_SERVICE)
                        .guard(this::selfOrKeyAdmin).withTotp()
                        .summary("Create an S3 access key for the S3 gateway; the response is the only time the secret is shown")
                        .returns(201, Route.Body.json(Messages.CreatedS3Key.class)).errors(FORBIDDEN, NOT_FOUND)
                        .handle(this::createS3Key),
                delete("/v1/accounts/{id}/s3-keys/{keyId}", "revokeS3Key").needs(Permission.SELF_SERVICE)
                        .guard(this::selfOrKeyAdmin).withTotp()
                        .summary("Revoke an S3 access key (its next S3 request is InvalidAccessKeyId)")
                        .returns(204, Route.Body.NONE).errors(FORBIDDEN, NOT_FOUND).handle(this::revokeS3Key),
                post("/v1/accounts/{id}/totp", "enrollTotp").needs(Permission.SELF_SERVICE)
                        .guard(this::selfOnly)
                        .summary("Enroll the account's own TOTP secret: the first one with a one-time "
                                + "enrollment code from an admin, a replacement with a current TOTP code "
                                + "(or a new enrollment code)")
                        .header(ENROLLMENT_CODE_HEADER, "one-time code from POST /v1/accounts/{id}/totp/"
                                + "enrollment-code; needed for the first secret")
                        .header(AccessControl.TOTP_HEADER, "current code, to replace a secret without an "
                                + "enrollment code")
                        .returns(201, Route.Body.json(Messages.TotpEnrollment.class))
                        .errors(FORBIDDEN, NOT_FOUND, ApiError.TOTP_REQUIRED).handle(this::enrollTotp),
                post("/v1/accounts/{id}/totp/enrollment-code", "createTotpEnrollmentCode")
                        .needs(Permission.KEY_ADMIN).withTotp()
                        .summary("Create a one-time, short-lived TOTP enrollment code for an account "
                                + "(replaces its earlier one); shown once")
                        .returns(201, Route.Body.json(Messages.EnrollmentCodeCreated.class))
                        .errors(NOT_FOUND).handle(this::createEnrollmentCode),
                delete("/v1/accounts/{id}/totp/lockout", "clearTotpLockout").needs(Permission.KEY_ADMIN)
                        .withTotp()
                        .summary("Lift the account's TOTP lockout and forget its failed attempts")
                        .returns(204, Route.Body.NONE).errors(NOT_FOUND).handle(this::clearLockout),
                post("/v1/sessions", "createSession").needs(Permission.SELF_SERVICE).withTotp()
                        .summary("Exchange an API key plus a TOTP code for a short-lived session token "
                                + "that counts as second factor until it expires, or until its key is "
                                + "revoked or expires, or the account's role or TOTP secret changes")
                        .returns(201, Route.Body.json(Messages.SessionCreated.class)).errors(FORBIDDEN)
                        .handle(this::openSession),
                delete("/v1/sessions/current", "deleteSession").needs(Permission.SELF_SERVICE)
                        .summary("End the session whose token authenticated this request")
                        .returns(204, Route.Body.NONE).errors(BAD_REQUEST).handle(this::closeSession));
    }

    private Account find(String id) throws ApiException {
        return accounts.account(id).orElseThrow(() -> ApiException.notFound("account '" + id + "'"));
    }

    /** Guard: the caller's own account, or any with KEY_ADMIN. Decides on ids only (no lookup). */
    private void selfOrKeyAdmin(Exchange ex) throws ApiException {
        Caller c = ex.caller();
        if (!c.accountId().equals(ex.pathParam("id")) && !Permission.KEY_ADMIN.grantedTo(c.role())) {
            throw new ApiException(FORBIDDEN, "only an admin manages another account's credentials");
        }
    }

    /** Guard: the caller's own account only (a TOTP secret is shown to its account alone). */
    private void selfOnly(Exchange ex) throws ApiException {
        String id = ex.pathParam("id");
        if (!ex.caller().accountId().equals(id)) {
            throw new ApiException(FORBIDDEN, Permission.KEY_ADMIN.grantedTo(ex.caller().role())
                    ? "a TOTP secret is enrolled by its own account: give it an enrollment code from "
                            + "POST /v1/accounts/" + id + "/totp/enrollment-code"
                    : "an account enrolls only its own second factor");
        }
    }

    /** The path's account, after a guard allowed the caller to act on it. */
    private Account manageable(Exchange ex) throws ApiException {
        return find(ex.pathParam("id"));
    }

    private Reply me(Exchange ex) throws ApiException {
        Caller c = ex.caller();
        List<String> perms = Permission.of(c.role()).stream().map(Enum::name).sorted().toList();
        return new Reply.Json(200, new Messages.Me(find(c.accountId()), perms, c.secondFactor()));
    }

    private Reply createAccount(Exchange ex) throws ApiException {
        Messages.CreateAccount body = ex.jsonBody(Messages.CreateAccount.class);
        String id = Params.accountId(body.id(), "id");
        Role role = Role.fromWire(body.role());
        String name = body.displayName() == null ? id : body.displayName();
        if (name.length() > 128) {
            throw new ApiException(UNPROCESSABLE, "'displayName' is longer than 128 characters");
        }
        Account a = accounts.create(id, role, name);
        return new Reply.Json(201, a, Map.of("Location", "/v1/accounts/" + a.id()));
    }

    private Reply setRole(Exchange ex) throws ApiException {
        Messages.SetRole body = ex.jsonBody(Messages.SetRole.class);
        Role role = Role.fromWire(body.role());
        Account a = accounts.setRole(find(ex.pathParam("id")).id(), role);
        access.sessions().closeAll(a.id());
        return new Reply.Json(200, a);
    }

    private Reply listKeys(Exchange ex) throws ApiException {
        Account a = manageable(ex);
        List<Messages.KeyInfo> keys = accounts.apiKeys(a.id()).stream()
                .map(k -> new Messages.KeyInfo(k.keyId(), k.label(), k.createdAt(), k.expiresAt(), k.revoked()))
                .toList();
        return new Reply.Json(200, keys);
    }

    private Reply createKey(Exchange ex) throws ApiException {
        Account a = manageable(ex);
        Messages.CreateKey body = ex.jsonBody(Messages.CreateKey.class);
        String label = body.label() == null ? "" : body.label();
        if (label.length() > 128) {
            throw new ApiException(UNPROCESSABLE, "'label' is longer than 128 characters");
        }
        if (body.expiresAt() != null && !body.expiresAt().isAfter(clock.instant())) {
            throw new ApiException(UNPROCESSABLE, "'expiresAt' is in the past");
        }
        ApiKeys.Issued issued = ApiKeys.issue(a.id(), label, clock.instant(), body.expiresAt());
        accounts.addApiKey(issued.stored());
        return new Reply.Json(201, new Messages.CreatedKey(issued.stored().keyId(), issued.plaintext(),
                a.id(), label, body.expiresAt()));
    }

    private Reply revokeKey(Exchange ex) throws ApiException {
        Account a = manageable(ex);
        accounts.revokeApiKey(a.id(), ex.pathParam("keyId"));
        // The sessions this key opened end at their next request (AccessControl re-checks the key).
        return new Reply.Empty(204, Map.of());
    }

    private Reply listS3Keys(Exchange ex) throws ApiException {
        Account a = manageable(ex);
        return new Reply.Json(200, s3Keys.list(a.id()).stream().map(k -> new Messages.S3KeyInfo(k.accessKeyId(), k.created())).toList());
    }

    private Reply createS3Key(Exchange ex) throws ApiException {
        Account a = manageable(ex);
        io.stoq.fragmint.port.S3KeyStore.S3Key k = s3Keys.create(a.id());
        return new Reply.Json(201, new Messages.CreatedS3Key(k.accessKeyId(), k.secret(), a.id(), k.created()));
    }

    private Reply revokeS3Key(Exchange ex) throws ApiException {
        Account a = manageable(ex);
        s3Keys.revoke(a.id(), ex.pathParam("keyId"));
        return new Reply.Empty(204, Map.of());
    }

    private Reply enrollTotp(Exchange ex) throws ApiException {
        Account a = manageable(ex);
        String code = ex.header(ENROLLMENT_CODE_HEADER).map(String::trim).filter(c -> !c.isEmpty()).orElse(null);
        if (code != null) {
            if (!accounts.consumeEnrollmentCode(a.id(), EnrollmentCodes.hash(code), clock.instant())) {
                throw new ApiException(FORBIDDEN, "the enrollment code for account '" + a.id()
                        + "' is wrong, used or expired: ask an admin for a new one");
            }
        } else if (accounts.totpSecret(a.id()).isPresent()) {
            // Replacing a second factor is itself sensitive: prove the current one.
            ex.upgradeCaller(access.verifySecondFactor(ex.caller(),
                    ex.header(AccessControl.TOTP_HEADER).orElse(null)));
        } else {
            // Without this, whoever steals an API key could bind the account to their own phone.
            throw new ApiException(FORBIDDEN, "enrolling the first TOTP secret of account '" + a.id()
                    + "' needs a one-time enrollment code from an admin in the " + ENROLLMENT_CODE_HEADER
                    + " header: an API key alone is not enough");
        }
        TotpSecret secret = Totp.newSecret();
        accounts.setTotpSecret(a.id(), secret);
        String alg = secret.algorithm().replace("Hmac", "");
        return new Reply.Json(201, new Messages.TotpEnrollment(Totp.base32(secret.key()),
                Totp.provisioningUri(secret, TOTP_ISSUER, a.id()), alg, secret.digits(),
                secret.periodSeconds()));
    }

    private Reply createEnrollmentCode(Exchange ex) throws ApiException {
        Account a = find(ex.pathParam("id"));
        EnrollmentCodes.Issued issued = EnrollmentCodes.issue(ex.caller().accountId(), clock.instant(),
                access.settings().enrollmentCodeLifetime());
        accounts.setEnrollmentCode(a.id(), issued.stored());
        return new Reply.Json(201, new Messages.EnrollmentCodeCreated(a.id(), issued.plaintext(),
                issued.stored().expiresAt()));
    }

    private Reply clearLockout(Exchange ex) throws ApiException {
        Account a = find(ex.pathParam("id"));
        access.secondFactor().lift(a.id());
        return new Reply.Empty(204, Map.of());
    }

    private Reply openSession(Exchange ex) throws ApiException {
        boolean viaSession = ex.header("Authorization").orElse("").contains(Sessions.PREFIX);
        Sessions.Opened s = access.openSession(ex.caller(), viaSession);
        return new Reply.Json(201, new Messages.SessionCreated(s.token(), s.session().id(),
                s.session().accountId(), s.session().expiresAt()));
    }

    private Reply closeSession(Exchange ex) throws ApiException {
        String auth = ex.header("Authorization").orElse("");
        String token = auth.length() > 7 ? auth.substring(7).trim() : "";
        if (!token.startsWith(Sessions.PREFIX)) {
            throw ApiException.badRequest("this request was not authenticated with a session token");
        }
        access.sessions().close(token);
        return new Reply.Empty(204, Map.of());
    }
}
