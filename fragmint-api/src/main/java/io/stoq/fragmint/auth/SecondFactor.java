package io.stoq.fragmint.auth;

import io.stoq.crypto.hash.Sha3;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AuditLog;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.TotpAttempts;
import io.stoq.fragmint.port.TotpSecret;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks TOTP codes under the {@link TotpLockout} policy: each attempt is counted in the account
 * store before its code is looked at, a locked account's attempts are refused unchecked (429 with
 * {@code Retry-After}), a lockout is written to the audit log when it starts, and an accepted code
 * clears the count. Every failed attempt is audited by the request that made it.
 *
 * <p>Stateless apart from the injected stores; thread-safe. Blocks on the stores: worker threads only.
 */
public final class SecondFactor {
    private static final Logger LOG = LoggerFactory.getLogger(SecondFactor.class);
    private static final byte[] FINGERPRINT_DOMAIN = "stoq totp fingerprint v1\0".getBytes(StandardCharsets.US_ASCII);

    private final AccountStore accounts;
    private final AuditLog audit;
    private final TotpLockout lockout;
    private final Clock clock;

    public SecondFactor(AccountStore accounts, AuditLog audit, TotpLockout lockout, Clock clock) {
        this.accounts = accounts;
        this.audit = audit;
        this.lockout = lockout;
        this.clock = clock;
    }

    public TotpLockout lockout() {
        return lockout;
    }

    /**
     * Verifies {@code totpCode} for the caller's account (once per time step): returns the caller
     * marked second-factor-verified, or fails with {@link ApiError#TOTP_REQUIRED} (none enrolled,
     * no code, wrong or replayed code) or {@link SecondFactorLockedException}.
     */
    public Caller verify(Caller caller, String totpCode) throws ApiException {
        if (caller.secondFactor()) {
            return caller;
        }
        String account = caller.accountId();
        TotpSecret secret = accounts.totpSecret(account).orElseThrow(() -> new ApiException(
                ApiError.TOTP_REQUIRED, "this operation needs a TOTP second factor and account '"
                        + account + "' has none: ask an admin for an enrollment code, then enroll with"
                        + " POST /v1/accounts/" + account + "/totp"));
        if (totpCode == null || totpCode.isBlank()) {
            throw new ApiException(ApiError.TOTP_REQUIRED,
                    "this operation needs a TOTP code in the " + AccessControl.TOTP_HEADER + " header");
        }
        Instant now = clock.instant();
        boolean[] admitted = {false};
        TotpAttempts counted = accounts.updateTotpAttempts(account, a -> {
            TotpAttempts next = lockout.admit(a, now);
            admitted[0] = next != null;
            return next == null ? a : next;
        });
        if (!admitted[0]) {
            throw new SecondFactorLockedException(account, lockout.retryAfterSeconds(counted, now));
        }
        OptionalLong step = Totp.verify(secret, totpCode.trim(), now);
        if (step.isEmpty()) {
            throw failed(caller, now, "wrong or expired TOTP code");
        }
        if (!accounts.markTotpCounterUsed(account, step.getAsLong())) {
            throw failed(caller, now, "TOTP code already used: wait for the next one");
        }
        accounts.updateTotpAttempts(account, a -> TotpAttempts.NONE);
        return new Caller(account, caller.role(), caller.credentialId(), true);
    }

    /** Ends an account's lockout and forgets its failed attempts (an admin's decision). */
    public void lift(String accountId) throws ApiException {
        accounts.updateTotpAttempts(accountId, a -> TotpAttempts.NONE);
    }

    /**
     * A fingerprint of a TOTP secret (SHA3-256 over its parameters and key), kept by sessions to
     * notice a replaced secret; never leaves the process.
     */
    public static String fingerprint(TotpSecret secret) {
        byte[] params = ByteBuffer.allocate(8).putInt(secret.digits()).putInt(secret.periodSeconds()).array();
        return Sha3.hash(FINGERPRINT_DOMAIN, secret.algorithm().getBytes(StandardCharsets.US_ASCII),
                params, secret.key()).toHex();
    }

    private ApiException failed(Caller caller, Instant now, String detail) throws ApiException {
        String account = caller.accountId();
        boolean[] lockedNow = {false};
        TotpAttempts after = accounts.updateTotpAttempts(account, a -> {
            TotpAttempts next = lockout.afterFailure(a, now);
            lockedNow[0] = next.lockedAt(now) && !a.lockedAt(now);
            return next;
        });
        if (!lockedNow[0]) {
            return new ApiException(ApiError.TOTP_REQUIRED, detail);
        }
        long retry = lockout.retryAfterSeconds(after, now);
        try {
            audit.append(new AuditRecord(0, now, account, caller.credentialId(), "totpLockout", "-",
                    "/v1/accounts/" + account + "/totp/lockout", AuditRecord.Outcome.SECOND_FACTOR_LOCKED,
                    ApiError.RATE_LIMITED.status(), null));
        } catch (ApiException | RuntimeException e) {
            LOG.error("audit append failed for the TOTP lockout of account {}: {}", account, e.toString());
        }
        LOG.warn("TOTP of account {} locked for {} s after {} wrong codes (lockout {} in a row)", account,
                retry, lockout.settings().totpMaxFailures(), after.lockouts());
        return new SecondFactorLockedException(account, retry);
    }
}
