package io.stoq.shard.manifest;

import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.shard.ShardException;

/**
 * Signs finished manifest bodies with a batch seal (schema 2). {@link BatchSigner} signs each call
 * on the caller's thread, as a batch of one; safe to call from many threads.
 */
public interface ManifestSigner {
    /** Seals {@code manifest}; blocks until its batch is signed. */
    SignedManifest sign(AssetManifest manifest) throws ShardException;

    /** The public key that checks this signer's seals. */
    VerifyingKey key();
}
