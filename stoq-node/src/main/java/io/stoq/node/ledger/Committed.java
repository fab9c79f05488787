package io.stoq.node.ledger;

import io.stoq.crypto.hash.Hash256;
import java.time.Instant;

/**
 * Where a submitted transaction landed once its block was durable.
 *
 * @param txId the tx id
 * @param height block height
 * @param index position in the block
 * @param time block time
 */
public record Committed(Hash256 txId, long height, int index, Instant time) {}
