package io.stoq.fragmint.port;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * A committed ledger change, as streamed on {@code /v1/events}.
 *
 * @param seq monotonically increasing event number (a subscriber resumes after the last one seen)
 * @param category what kind of state it touches (decides who may see it)
 * @param type specific event, e.g. {@code asset.created}, {@code token.transferred}
 * @param blockHeight block that committed it
 * @param at commit time
 * @param subject the asset id, account id or node id it concerns
 * @param attributes small, non-secret details (strings and numbers)
 * @param readers for an event about one asset: the accounts that may see it (the accounts its tx
 *     names, such as the owner, a recipient or a grantee, plus the asset's grantees when the
 *     event is not about a grant); admins and auditors see it too. Null when every subscriber
 *     whose role may see the category may see it. Never sent to subscribers.
 */
public record LedgerEvent(long seq, Category category, String type, long blockHeight, Instant at,
        String subject, Map<String, Object> attributes, @Nullable Set<String> readers) {
    public LedgerEvent {
        attributes = Map.copyOf(attributes);
        readers = readers == null ? null : Set.copyOf(readers);
    }

    /** An event every subscriber with the category's permission may see. */
    public LedgerEvent(long seq, Category category, String type, long blockHeight, Instant at,
            String subject, Map<String, Object> attributes) {
        this(seq, category, type, blockHeight, at, subject, attributes, null);
    }

    /** Event families; the API maps each to the permission needed to see it. */
    public enum Category {
        ASSET, TOKEN, ACCOUNT, NODE, BLOCK
    }
}
