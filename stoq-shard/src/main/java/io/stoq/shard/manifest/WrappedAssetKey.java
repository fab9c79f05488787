package io.stoq.shard.manifest;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.kem.KeyWrapper;

/**
 * The asset key wrapped to one ML-KEM recipient (the network's data-key epoch, or the owner).
 * {@code recipient} is the SHA3-256 of the recipient's public key (SPKI), so a holder finds its
 * entry without trial decryption.
 */
public record WrappedAssetKey(Hash256 recipient, KeyWrapper.WrappedKey wrapped) {}
