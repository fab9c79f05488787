package io.stoq.fragmint.port;

import java.time.Instant;

/**
 * One access decision: who asked to do what, when, and what the API decided; or, for requests
 * without a valid credential, an aggregate of such decisions (the node folds them per source
 * address, minute and outcome so a flood of anonymous requests cannot fill the disk).
 *
 * @param seq position in the log, assigned by {@link AuditLog#append} (0 before)
 * @param at decision time
 * @param actor account id, or {@code "anonymous"} when no valid credential was presented
 * @param credentialId key or session id used, or null
 * @param operation route operation id ({@code createAsset}); {@code "unknown"} for unmatched paths
 * @param method HTTP method
 * @param path request path (no query string: it may hold cursors, never secrets, but keep it lean)
 * @param outcome the decision
 * @param status HTTP status finally sent
 * @param remote client address ({@code "other"} on an aggregate of the sources past the cap; null
 *     on a record that is not a request, {@link Outcome#SECOND_FACTOR_LOCKED})
 * @param count how many decisions this record stands for: 1 for one decision; for an aggregate
 *     of unauthenticated denials, how many arrived from {@code remote} in the minute starting at
 *     {@code at} (then {@code operation}, {@code method} and {@code path} are those of the first)
 */
public record AuditRecord(long seq, Instant at, String actor, @Nullable String credentialId,
        String operation, String method, String path, Outcome outcome, int status, @Nullable String remote,
        long count) {

    public AuditRecord {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1: " + count);
        }
    }

    /** One decision ({@code count} 1). */
    public AuditRecord(long seq, Instant at, String actor, String credentialId, String operation,
            String method, String path, Outcome outcome, int status, String remote) {
        this(seq, at, actor, credentialId, operation, method, path, outcome, status, remote, 1);
    }

    /** What the API decided. */
    public enum Outcome {
        /** Credential, role and second factor all passed; the operation ran (status says how it went). */
        ALLOWED,
        /**
         * As {@link #ALLOWED}, but the caller read or changed another account's asset (or
         * subscribed to every account's asset events) only because it is an admin.
         */
        ALLOWED_ADMIN_OVERRIDE,
        /** Public route, no credential needed. */
        PUBLIC,
        /** Missing, unknown, revoked or expired credential. */
        DENIED_UNAUTHENTICATED,
        /** Role lacks the permission. */
        DENIED_FORBIDDEN,
        /** Route needs TOTP; none or a wrong or replayed code. */
        DENIED_SECOND_FACTOR,
        /** Rate limit exceeded. */
        DENIED_RATE_LIMITED,
        /**
         * Not a request: too many wrong TOTP codes locked the account's second factor (written
         * by the auth layer when the lockout starts; each refused attempt is audited on its own).
         */
        SECOND_FACTOR_LOCKED
    }

    /** True for decisions taken without a valid credential (the ones the node may aggregate). */
    public boolean unauthenticated() {
        return ANONYMOUS.equals(actor) && (outcome == Outcome.DENIED_UNAUTHENTICATED
                || outcome == Outcome.DENIED_RATE_LIMITED);
    }

    /** The actor of a request that presented no valid credential. */
    public static final String ANONYMOUS = "anonymous";

    /** This record with the given sequence number. */
    public AuditRecord withSeq(long newSeq) {
        return new AuditRecord(newSeq, at, actor, credentialId, operation, method, path, outcome,
                status, remote, count);
    }

    /** This record standing for {@code newCount} decisions (an aggregate). */
    public AuditRecord withCount(long newCount) {
        return new AuditRecord(seq, at, actor, credentialId, operation, method, path, outcome,
                status, remote, newCount);
    }
}
