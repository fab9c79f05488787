package io.stoq.fragmint.auth;

import io.stoq.fragmint.port.Account;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AuditLog;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.StoredApiKey;
import io.stoq.fragmint.port.TotpSecret;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * Turns request credentials into a {@link Caller} and decides whether it may run a route:
 * credential (API key or session), then role permission, then the route's own target check
 * (whose keys, whose asset), then TOTP where the route demands it, in that order, so a caller who
 * would be refused anyway learns nothing about its second factor.
 *
 * <p>A session is re-checked on every request against what opened it: the API key must still be
 * live (not revoked, not expired), the role and the TOTP secret unchanged. So a session never
 * outlives its key, even when the event that should have ended it was missed.
 *
 * <p>Stateless apart from the injected stores; thread-safe. Calls the {@link AccountStore}, so it
 * runs on API worker threads, never on an event loop.
 */
public final class AccessControl {
    /** Request header carrying the TOTP code. */
    public static final String TOTP_HEADER = "X-Stoq-TOTP";

    private final AccountStore accounts;
    private final Sessions sessions;
    private final SecondFactor secondFactor;
    private final AuthSettings settings;
    private final Clock clock;

    /**
     * @param audit where a TOTP lockout is recorded when it starts
     * @param settings lockout thresholds and enrollment code lifetime
     */
    public AccessControl(AccountStore accounts, AuditLog audit, Sessions sessions, AuthSettings settings,
            Clock clock) {
        this.accounts = accounts;
        this.sessions = sessions;
        this.settings = settings;
        this.clock = clock;
        this.secondFactor = new SecondFactor(accounts, audit, new TotpLockout(settings), clock);
    }

    public Sessions sessions() {
        return sessions;
    }

    public AuthSettings settings() {
        return settings;
    }

    public SecondFactor secondFactor() {
        return secondFactor;
    }

    /**
     * Authenticates an {@code Authorization} header value ({@code Bearer stq_...} or
     * {@code Bearer stqs_...}); {@link ApiError#UNAUTHENTICATED} for anything else. The message
     * does not say which check failed beyond "missing" versus "invalid", except that a session
     * ended by a change says which change (its holder proved key and TOTP when opening it).
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
            return session(token);
        }
        Optional<String> keyId = ApiKeys.keyIdOf(token);
        if (keyId.isEmpty()) {
            throw invalid();
        }
        StoredApiKey stored = accounts.apiKey(keyId.get()).orElseThrow(AccessControl::invalid);
        if (!ApiKeys.matches(token, stored) || !live(stored, clock.instant())) {
            throw invalid();
        }
        Account account = accounts.account(stored.accountId()).orElseThrow(AccessControl::invalid);
        return new Caller(account.id(), account.role(), stored.keyId(), false);
    }

    private Caller session(String token) throws ApiException {
        Sessions.Session s = sessions.find(token).orElseThrow(AccessControl::invalid);
        String ended = endedBy(s);
        if (ended != null) {
            sessions.close(token);
            throw new ApiException(ApiError.UNAUTHENTICATED, "session ended: " + ended
                    + "; open a new one with an API key and a TOTP code");
        }
        return new Caller(s.accountId(), s.role(), s.id(), true);
    }

    /** Why a session may no longer be used, or null when everything that opened it still holds. */
    private String endedBy(Sessions.Session s) throws ApiException {
        Optional<Account> account = accounts.account(s.accountId());
        if (account.isEmpty()) {
            return "its account no longer exists";
        }
        Optional<StoredApiKey> key = accounts.apiKey(s.credentialId());
        if (key.isEmpty() || key.get().revoked() || !key.get().accountId().equals(s.accountId())) {
            return "the API key that opened it was revoked";
        }
        if (!live(key.get(), clock.instant())) {
            return "the API key that opened it expired";
        }
        if (account.get().role() != s.role()) {
            return "the account's role changed";
        }
        Optional<TotpSecret> secret = accounts.totpSecret(s.accountId());
        if (secret.isEmpty() || !SecondFactor.fingerprint(secret.get()).equals(s.totpFingerprint())) {
            return "the account's TOTP secret changed";
        }
        return null;
    }

    private static boolean live(StoredApiKey key, Instant now) {
        return !key.revoked() && (key.expiresAt() == null || now.isBefore(key.expiresAt()));
    }

    /** Checks the role only: {@link ApiError#FORBIDDEN} when it lacks {@code permission}. */
    public Caller permit(Caller caller, Permission permission) throws ApiException {
        if (!permission.grantedTo(caller.role())) {
            throw new ApiException(ApiError.FORBIDDEN, "role '" + caller.role().wireName()
                    + "' lacks permission " + permission);
        }
        return caller;
    }

    /**
     * Checks the role, then the second factor when {@code needsSecondFactor}. Returns the caller,
     * marked second-factor-verified when a TOTP code was accepted.
     */
    public Caller authorize(Caller caller, Permission permission, boolean needsSecondFactor,
            String totpCode) throws ApiException {
        permit(caller, permission);
        if (!needsSecondFactor || caller.secondFactor()) {
            return caller;
        }
        return verifySecondFactor(caller, totpCode);
    }

    /**
     * Verifies a TOTP code for the caller (once per time step, counted against the lockout);
     * {@link ApiError#TOTP_REQUIRED} or {@link SecondFactorLockedException} if not.
     */
    public Caller verifySecondFactor(Caller caller, String totpCode) throws ApiException {
        return secondFactor.verify(caller, totpCode);
    }

    /**
     * Opens a session for a caller that authenticated with an API key and just proved its TOTP;
     * {@link ApiError#FORBIDDEN} for a caller that came with a session (a session must not extend
     * itself) or without a verified second factor.
     */
    public Sessions.Opened openSession(Caller caller, boolean viaSession) throws ApiException {
        if (viaSession || !caller.secondFactor()) {
            throw new ApiException(ApiError.FORBIDDEN, "open a session with an API key and a TOTP code,"
                    + " not with another session");
        }
        Account account = accounts.account(caller.accountId()).orElseThrow(AccessControl::invalid);
        TotpSecret secret = accounts.totpSecret(caller.accountId()).orElseThrow(() -> new ApiException(
                ApiError.TOTP_REQUIRED, "account '" + caller.accountId() + "' has no TOTP secret"));
        return sessions.open(account.id(), caller.credentialId(), account.role(),
                SecondFactor.fingerprint(secret));
    }

    private static ApiException invalid() {
        return new ApiException(ApiError.UNAUTHENTICATED, "invalid, revoked or expired credential");
    }
}
