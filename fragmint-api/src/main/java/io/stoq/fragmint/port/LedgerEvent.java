package io.stoq.fragmint.port;

import java.time.Instant;
import java.util.Map;

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
 */
public record LedgerEvent(long seq, Category category, String type, long blockHeight, Instant at,
        String subject, Map<String, Object> attributes) {
    public LedgerEvent {
        attributes = Map.copyOf(attributes);
    }

    /** Event families; the API maps each to the permission needed to see it. */
    public enum Category {
        ASSET, TOKEN, ACCOUNT, NODE, BLOCK
    }
}
