package io.stoq.shard.manifest;

import io.stoq.crypto.sign.SignatureAlgorithm;

/**
 * A schema-1 manifest's signature: over that manifest's body alone, by the key whose SPKI the body
 * names. Nodes signed each manifest so with their Falcon key, and {@code stoq shard encode} with
 * an SLH-DSA key, before batches; such manifests are still read and verified, no longer written.
 */
public record SingleSignature(SignatureAlgorithm algorithm, byte[] signerSpki, byte[] signature) implements ManifestSignature {
    public SingleSignature {
        signerSpki = signerSpki.clone();
        signature = signature.clone();
    }

    @Override
    public byte[] signerSpki() {
        return signerSpki.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }
}
