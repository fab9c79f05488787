package io.stoq.shard.manifest;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.merkle.MerkleTree;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import java.util.ArrayList;
import java.util.List;

/**
 * Signs a batch of manifests with one signature ({@link BatchSeal}): builds the merkle tree over
 * their body leaves, signs the batch message once and gives each manifest its inclusion proof.
 * {@link #sign} is a batch of one, on the caller's thread (the CLI, tests); a node seals the
 * manifests of concurrent uploads after their commit, many at once with {@link #signAll}.
 *
 * <p>Stateless apart from the key; thread-safe.
 */
public final class BatchSigner implements ManifestSigner {
    private final SigningKey key;
    private final Hash256 keyId;

    /** {@code key} must be an SLH-DSA key ({@link BatchSeal} allows nothing else). */
    public BatchSigner(SigningKey key) {
        if (!BatchSeal.ALGORITHMS.contains(key.algorithm())) {
            throw new IllegalArgumentException("manifest batches are signed with SLH-DSA, not " + key.algorithm().id());
        }
        this.key = key;
        this.keyId = key.verifyingKey().fingerprint();
    }

    @Override
    public SignedManifest sign(AssetManifest manifest) throws ShardException {
        return signAll(List.of(manifest)).get(0);
    }

    @Override
    public VerifyingKey key() {
        return key.verifyingKey();
    }

    /** Signs {@code manifests} (1..{@link BatchSeal#MAX_BATCH}) as one batch, in that leaf order. */
    public List<SignedManifest> signAll(List<AssetManifest> manifests) throws ShardException {
        List<byte[]> bodies = new ArrayList<>(manifests.size());
        for (AssetManifest m : manifests) {
            bodies.add(ManifestCodec.encodeBody(m));
        }
        return signBodies(manifests, bodies);
    }

    /**
     * Seals bodies already stored (a node's sealer, after their ledger commit) as one batch, in
     * that leaf order; each result's {@link SignedManifest#bodyDigest()} is its body's digest.
     */
    public List<SignedManifest> sealBodies(List<ManifestBody> bodies) throws ShardException {
        List<AssetManifest> manifests = new ArrayList<>(bodies.size());
        List<byte[]> bytes = new ArrayList<>(bodies.size());
        for (ManifestBody b : bodies) {
            manifests.add(b.manifest());
            bytes.add(b.shared());
        }
        return signBodies(manifests, bytes);
    }

    /** As {@link #signAll}, with the bodies already encoded (by {@link ManifestCodec#encodeBody}). */
    List<SignedManifest> signBodies(List<AssetManifest> manifests, List<byte[]> bodies) throws ShardException {
        int n = manifests.size();
        if (n < 1 || n > BatchSeal.MAX_BATCH || bodies.size() != n) {
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "a batch holds 1.." + BatchSeal.MAX_BATCH + " manifests, not " + n);
        }
        List<Hash256> leaves = new ArrayList<>(n);
        for (byte[] body : bodies) {
            leaves.add(BatchSeal.leafOf(body));
        }
        MerkleTree tree = MerkleTree.ofLeafHashes(leaves);
        byte[] signature;
        try {
            signature = key.sign(BatchSeal.signedMessage(key.algorithm(), keyId, n, tree.root()));
        } catch (CryptoException e) {
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "cannot sign the manifest batch: " + e.getMessage(), e);
        }
        List<SignedManifest> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            BatchSeal seal = new BatchSeal(key.algorithm(), keyId, tree.proof(i), tree.root(), signature);
            out.add(new SignedManifest(manifests.get(i), seal, bodies.get(i), ManifestCodec.encode(bodies.get(i), seal)));
        }
        return out;
    }
}
