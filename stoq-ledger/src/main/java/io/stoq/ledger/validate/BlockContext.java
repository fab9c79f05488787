package io.stoq.ledger.validate;

import java.time.Instant;

/**
 * What a tx may know about the block it is applied in. {@code time} is the block's header time,
 * fixed by the proposer: rules that need "now" (certificate validity) use it, never the wall clock,
 * so every node gets the same answer.
 */
public record BlockContext(long height, Instant time) {}
