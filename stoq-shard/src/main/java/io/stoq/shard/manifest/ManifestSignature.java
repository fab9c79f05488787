package io.stoq.shard.manifest;

import io.stoq.crypto.sign.SignatureAlgorithm;

/**
 * What vouches for a manifest body: a {@link BatchSeal} (schema 2: one SLH-DSA signature over a
 * batch of manifests, and this manifest's inclusion proof in it) or a {@link SingleSignature}
 * (schema 1, read only: a signature over this body alone, as manifests were signed before).
 */
public sealed interface ManifestSignature permits BatchSeal, SingleSignature {
    /** The signature suite. */
    SignatureAlgorithm algorithm();

    /** The signature bytes (a copy). */
    byte[] signature();
}
