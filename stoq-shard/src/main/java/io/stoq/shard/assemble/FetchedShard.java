package io.stoq.shard.assemble;

import io.stoq.crypto.merkle.InclusionProof;

/**
 * A shard as some source returned it: the stored bytes and, when the source keeps one, the
 * inclusion proof it claims. Neither is trusted until {@link AssetReader} has checked them.
 */
public record FetchedShard(byte[] stored, InclusionProof proof) {}
