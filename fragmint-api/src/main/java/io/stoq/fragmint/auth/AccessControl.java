package io.stoq.fragmint.auth;

import io.stoq.fragmint.port.Account;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.StoredApiKey;
import io.stoq.fragmint.port.TotpSecret;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Turns request credentials into a {@link Caller} and decides whether it may run a route:
 * credential (API key or session), then role permission, then TOTP where the route demands it,
 * in that order, so a caller without the role learns nothing about its second factor.
 *
 * <p>Stateless apart from the injected stores; thread-safe. Calls the {@link AccountStore}, so it
 * runs on API worker threads, never on an event loop.
 */
public final class AccessControl {
    /** Request header carrying the TOTP code. */
    public static final String TOTP_HEADER = "X-Stoq-TOTP";

    private final AccountStore accounts;
    private final Sessions sessions;
    private final Clock clock;

    public AccessControl(AccountStore accounts, Sessions sessions, Clock clock) {
        this.accounts = accounts;
        this.sessions = sessions;
        this.clock = clock;
    }

    public Sessions sessions() {
        return sessions;
    }

    /**
     * Authenticates an {@code Authorization} header value ({@code Bearer stq_...} or
     * {@code Bearer stqs_...}); {@link ApiError#UNAUTHENTICATED} for anything else. The message
     * does not say which check failed beyond "missing" versus "invalid".
     */
    public Caller authenticate(String authorization) throws ApiException {
        if (authorization == null || authorization.isBlank()) {
            throw new ApiException(ApiError.UNAUTHENTICATED,
                    "missing credential: send 'Authorization: Bearer <api key>'");
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(ApiError.UNAUTHENTICATED, "unsupported authorization scheme: use Bearer");
        }
        String token = authorization.substring(7).trim();
        if (token.startsWith(Sessions.PREFIX)) {
            Optional<Sessions.Session> s = sessions.find(token);
            if (s.isEmpty()) {
                throw invalid();
            }
            Account account = accounts.account(s.get().accountId()).orElseThrow(AccessControl::invalid);
            return new Caller(account.id(), account.role(), s.get().id(), true);
        }
        Optional<String> keyId = ApiKeys.keyIdOf(token);
        if (keyId.isEmpty()) {
            throw invalid();
        }
        StoredApiKey stored = accounts.apiKey(keyId.get()).orElseThrow(AccessControl::invalid);
        Instant now = clock.instant();
        if (!ApiKeys.matches(token, stored) || stored.revoked()
                || (stored.expiresAt() != null && !now.isBefore(stored.expiresAt()))) {
            throw invalid();
        }
        Account account = accounts.account(stored.accountId()).orElseThrow(AccessControl::invalid);
        return new Caller(account.id(), account.role(), stored.keyId(), false);
    }

    /**
     * Checks the role, then the second factor when {@code needsSecondFactor}. Returns the caller,
     * marked second-factor-verified when a TOTP code was accepted.
     */
    public Caller authorize(Caller caller, Permission permission, boolean needsSecondFactor,
            String totpCode) throws ApiException {
        if (!permission.grantedTo(caller.role())) {
            throw new ApiException(ApiError.FORBIDDEN, "role '" + caller.role().wireName()
                    + "' lacks permission " + permission);
        }
        if (!needsSecondFactor || caller.secondFactor()) {
            return caller;
        }
        return verifySecondFactor(caller, totpCode);
    }

    /** Verifies a TOTP code for the caller (once per time step); {@link ApiError#TOTP_REQUIRED} if not. */
    public Caller verifySecondFactor(Caller caller, String totpCode) throws ApiException {
        if (caller.secondFactor()) {
            return caller;
        }
        TotpSecret secret = accounts.totpSecret(caller.accountId()).orElseThrow(() -> new ApiException(
                ApiError.TOTP_REQUIRED, "this operation needs a TOTP second factor and account '"
                        + caller.accountId() + "' has none: enroll with POST /v1/accounts/"
                        + caller.accountId() + "/totp"));
        if (totpCode == null || totpCode.isBlank()) {
            throw new ApiException(ApiError.TOTP_REQUIRED,
                    "this operation needs a TOTP code in the " + TOTP_HEADER + " header");
        }
        OptionalLong counter = Totp.verify(secret, totpCode.trim(), clock.instant());
        if (counter.isEmpty()) {
            throw new ApiException(ApiError.TOTP_REQUIRED, "wrong or expired TOTP code");
        }
        if (!accounts.markTotpCounterUsed(caller.accountId(), counter.getAsLong())) {
            throw new ApiException(ApiError.TOTP_REQUIRED, "TOTP code already used: wait for the next one");
        }
        return new Caller(caller.accountId(), caller.role(), caller.credentialId(), true);
    }

    private static ApiException invalid() {
        return new ApiException(ApiError.UNAUTHENTICATED, "invalid, revoked or expired credential");
    }
}
