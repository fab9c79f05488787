/**
 * Where a shard's copies or erasure pieces go, and how a shard is cut into erasure pieces: pure
 * functions of their inputs, no I/O and no node wiring. {@code rendezvous} chooses nodes by
 * weighted rendezvous hashing over zones; {@code erasure} encodes and decodes Reed-Solomon pieces.
 * See docs/placement.md.
 */
package io.stoq.placement;
