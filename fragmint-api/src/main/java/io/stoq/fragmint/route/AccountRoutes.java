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
 * Accounts, roles, API keys, TOTP enrollment and sessions. Key and role changes need TOTP; a
 * caller manages its own keys with {@code SELF_SERVICE}, anyone else's only with {@code KEY_ADMIN}.
 * Stateless apart from the injected stores; thread-safe.
 */
final class AccountRoutes {
    private static final String TOTP_ISSUER = "STOQ";

    private final AccountStore accounts;
    private final AccessControl access;
    private final Clock clock;

    AccountRoutes(AccountStore accounts, AccessControl access, Clock clock) {
        this.accounts = accounts;
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
                        .summary("API keys of an account (own, or any with KEY_ADMIN); never the secrets")
                        .returns(200, Route.Body.list(Messages.KeyInfo.class)).errors(FORBIDDEN, NOT_FOUND)
                        .handle(this::listKeys),
                post("/v1/accounts/{id}/keys", "createApiKey").needs(Permission.SELF_SERVICE).withTotp()
                        .summary("Create an API key; the response is the only time the key is shown")
                        .takes(Route.Body.json(Messages.CreateKey.class))
                        .returns(201, Route.Body.json(Messages.CreatedKey.class))
                        .errors(BAD_REQUEST, FORBIDDEN, NOT_FOUND, UNPROCESSABLE, UNSUPPORTED_MEDIA_TYPE,
                                PAYLOAD_TOO_LARGE)
                        .handle(this::createKey),
                delete("/v1/accounts/{id}/keys/{keyId}", "revokeApiKey").needs(Permission.SELF_SERVICE)
                        .withTotp().summary("Revoke an API key (ends the account's sessions)")
                        .returns(204, Route.Body.NONE).errors(FORBIDDEN, NOT_FOUND).handle(this::revokeKey),
                post("/v1/accounts/{id}/totp", "enrollTotp").needs(Permission.SELF_SERVICE)
                        .summary("Enroll (or, with a current TOTP code, replace) the account's TOTP secret")
                        .header(AccessControl.TOTP_HEADER, "current code, needed only to replace a secret")
                        .returns(201, Route.Body.json(Messages.TotpEnrollment.class))
                        .errors(FORBIDDEN, NOT_FOUND, ApiError.TOTP_REQUIRED).handle(this::enrollTotp),
                post("/v1/sessions", "createSession").needs(Permission.SELF_SERVICE).withTotp()
                        .summary("Exchange an API key plus a TOTP code for a short-lived session token "
                                + "that counts as second factor until it expires")
                        .returns(201, Route.Body.json(Messages.SessionCreated.class)).errors(FORBIDDEN)
                        .handle(this::openSession),
                delete("/v1/sessions/current", "deleteSession").needs(Permission.SELF_SERVICE)
                        .summary("End the session whose token authenticated this request")
                        .returns(204, Route.Body.NONE).errors(BAD_REQUEST).handle(this::closeSession));
    }

    private Account find(String id) throws ApiException {
        return accounts.account(id).orElseThrow(() -> ApiException.notFound("account '" + id + "'"));
    }

    /** Own account with SELF_SERVICE, or any with KEY_ADMIN. */
    private Account manageable(Exchange ex) throws ApiException {
        String id = ex.pathParam("id");
        Caller c = ex.caller();
        if (!c.accountId().equals(id) && !Permission.KEY_ADMIN.grantedTo(c.role())) {
            throw new ApiException(FORBIDDEN, "only an admin manages another account's credentials");
        }
        return find(id);
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
        access.sessions().closeAll(a.id());
        return new Reply.Empty(204, Map.of());
    }

    private Reply enrollTotp(Exchange ex) throws ApiException {
        Account a = manageable(ex);
        if (a.totpEnrolled() || accounts.totpSecret(a.id()).isPresent()) {
            // Replacing a second factor is itself sensitive: prove the current one.
            ex.upgradeCaller(access.verifySecondFactor(ex.caller(),
                    ex.header(AccessControl.TOTP_HEADER).orElse(null)));
        }
        TotpSecret secret = Totp.newSecret();
        accounts.setTotpSecret(a.id(), secret);
        String alg = secret.algorithm().replace("Hmac", "");
        return new Reply.Json(201, new Messages.TotpEnrollment(
                io.stoq.fragmint.auth.Totp.base32(secret.key()),
                Totp.provisioningUri(secret, TOTP_ISSUER, a.id()), alg, secret.digits(),
                secret.periodSeconds()));
    }

    private Reply openSession(Exchange ex) throws ApiException {
        if (ex.header("Authorization").orElse("").contains(Sessions.PREFIX)) {
            // A session must not extend itself: each one starts from a key plus a fresh code.
            throw new ApiException(FORBIDDEN, "open a session with an API key, not with another session");
        }
        Sessions.Opened s = access.sessions().open(ex.caller().accountId(), ex.caller().credentialId());
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
