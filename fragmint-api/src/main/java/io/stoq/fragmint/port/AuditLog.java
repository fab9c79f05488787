package io.stoq.fragmint.port;

import java.time.Instant;

/**
 * The append-only audit log of access decisions, implemented by stoq-node (durable; no update
 * operation exists, and records leave only by the node's retention pruning, {@code audit.retention}).
 * Appends happen on every request, so they must be cheap (group commit). An implementation may
 * fold {@linkplain AuditRecord#unauthenticated() unauthenticated denials} into one aggregate record
 * per source address, minute and outcome ({@link AuditRecord#count()}); every decision taken for an
 * authenticated caller stays one record.
 */
public interface AuditLog {

    /**
     * Appends a record and returns it with its assigned sequence number (0 when the record was
     * folded into an aggregate that is written later).
     */
    AuditRecord append(AuditRecord record) throws ApiException;

    /** Records matching {@code query}, oldest first. */
    Page<AuditRecord> query(Query query, PageRequest page) throws ApiException;

    /**
     * Filter for {@link #query}; every null field matches all.
     *
     * @param actor account id
     * @param outcome decision
     * @param since inclusive lower time bound
     * @param until exclusive upper time bound
     */
    record Query(String actor, AuditRecord.Outcome outcome, Instant since, Instant until) {
        public boolean matches(AuditRecord r) {
            return (actor == null || actor.equals(r.actor()))
                    && (outcome == null || outcome == r.outcome())
                    && (since == null || !r.at().isBefore(since))
                    && (until == null || r.at().isBefore(until));
        }
    }
}
