package io.stoq.fragmint.auth;

import io.stoq.fragmint.port.TotpAttempts;
import java.time.Duration;
import java.time.Instant;

/**
 * The lockout policy over an account's {@link TotpAttempts}, as pure functions the
 * {@link io.stoq.fragmint.port.AccountStore} applies atomically.
 *
 * <pre>
 *   attempt --admit--> counted (failures+1) --code right--> cleared (NONE)
 *      |                   |
 *      |                   +--code wrong, failures = max--> locked (lockouts+1, period doubles)
 *      +--locked, or max already counted in this window--> refused, code never checked
 * </pre>
 *
 * <p>An attempt is counted BEFORE its code is checked, so a burst of parallel guesses gets at
 * most {@code totpMaxFailures} codes checked, not one per request. Immutable; thread-safe.
 */
public final class TotpLockout {
    private final AuthSettings settings;

    public TotpLockout(AuthSettings settings) {
        this.settings = settings;
    }

    public AuthSettings settings() {
        return settings;
    }

    /**
     * The state after admitting one more attempt at {@code now}, or null when the attempt must be
     * refused without checking its code (locked, or the window's allowance already used by
     * attempts still in flight).
     */
    public TotpAttempts admit(TotpAttempts a, Instant now) {
        if (a.lockedAt(now)) {
            return null;
        }
        boolean windowOpen = a.windowStart() != null
                && now.isBefore(a.windowStart().plus(settings.totpFailureWindow()));
        if (!windowOpen) {
            return new TotpAttempts(1, now, a.lockouts(), a.lockedUntil());
        }
        if (a.failures() >= settings.totpMaxFailures()) {
            return null;
        }
        return new TotpAttempts(a.failures() + 1, a.windowStart(), a.lockouts(), a.lockedUntil());
    }

    /**
     * The state after a counted attempt failed: unchanged below the limit; at the limit a new
     * lockout starts (its period {@code totpLockout * 2^(lockouts)}, at most {@code totpMaxLockout})
     * and the window restarts empty when it ends.
     */
    public TotpAttempts afterFailure(TotpAttempts a, Instant now) {
        if (a.lockedAt(now) || a.failures() < settings.totpMaxFailures()) {
            return a;
        }
        int lockouts = a.lockouts() + 1;
        return new TotpAttempts(0, null, lockouts, now.plus(period(lockouts)));
    }

    /** The length of the {@code n}-th lockout in a row (n >= 1). */
    public Duration period(int n) {
        Duration max = settings.totpMaxLockout();
        Duration d = settings.totpLockout();
        for (int i = 1; i < n && d.compareTo(max) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(max) > 0 ? max : d;
    }

    /** Whole seconds until a refused account may try again (at least 1), for Retry-After. */
    public long retryAfterSeconds(TotpAttempts a, Instant now) {
        Instant until = a.lockedAt(now) ? a.lockedUntil()
                : a.windowStart() == null ? now : a.windowStart().plus(settings.totpFailureWindow());
        long millis = Duration.between(now, until).toMillis();
        return Math.max(1, (millis + 999) / 1000);
    }
}
