package io.stoq.fragmint.port;

import java.time.Instant;

/**
 * One access decision: who asked to do what, when, and what the API decided.
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
 * @param remote client address
 */
public record AuditRecord(long seq, Instant at, String actor, @Nullable String credentialId,
        String operation, String method, String path, Outcome outcome, int status, String remote) {

    /** What the API decided. */
    public enum Outcome {
        /** Credential, role and second factor all passed; the operation ran (status says how it went). */
        ALLOWED,
        /** Public route, no credential needed. */
        PUBLIC,
        /** Missing, unknown, revoked or expired credential. */
        DENIED_UNAUTHENTICATED,
        /** Role lacks the permission. */
        DENIED_FORBIDDEN,
        /** Route needs TOTP; none or a wrong or replayed code. */
        DENIED_SECOND_FACTOR,
        /** Rate limit exceeded. */
        DENIED_RATE_LIMITED
    }

    /** This record with the given sequence number. */
    public AuditRecord withSeq(long newSeq) {
        return new AuditRecord(newSeq, at, actor, credentialId, operation, method, path, outcome,
                status, remote);
    }
}
