package io.stoq.shard.manifest;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.merkle.ShardMerkle;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a manifest was signed by a key the caller trusts and is internally consistent.
 *
 * <p>Schema 2 ({@link BatchSeal}), in order: the seal's key id names a trusted key of the seal's
 * suite; the manifest's leaf, {@code H(0x00 || SHA3-256(body))}, leads through the inclusion
 * proof to the seal's batch root; the signature over the batch message verifies. Schema 1
 * ({@link SingleSignature}): the signer SPKI is a trusted key and the signature over the body
 * verifies. Both then check that the merkle root really is the root over the listed shard hashes.
 * Each failure says which step failed, as {@link ShardErrorCode#MANIFEST_SIGNATURE_INVALID}.
 *
 * <p>A batch signature covers many manifests, and SLH-DSA takes ~2.5 ms to verify, so a verifier
 * may remember signatures it has already checked ({@code cacheSize} > 0): the exact bytes of key,
 * message and signature, hashed; only successes are remembered, least recently used evicted.
 * Every manifest still has its own leaf and proof checked against the root on every call.
 * Thread-safe.
 */
public final class ManifestVerifier {
    private final List<VerifyingKey> trusted;
    private final Map<Hash256, Boolean> verified;
    private final int cacheSize;

    /**
     * @param trusted the keys whose signatures are accepted (a node: its SLH-DSA key, and its Falcon
     *     key for the schema-1 manifests it signed before batches)
     * @param cacheSize how many verified batch signatures to remember; 0 checks every time
     */
    public ManifestVerifier(Collection<VerifyingKey> trusted, int cacheSize) {
        this.trusted = List.copyOf(trusted);
        this.cacheSize = cacheSize;
        this.verified = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Hash256, Boolean> eldest) {
                return size() > ManifestVerifier.this.cacheSize;
            }
        };
    }

    /** Returns the manifest when it verifies; see the class comment for the checks. */
    public AssetManifest verify(SignedManifest signed) throws ShardException {
        AssetManifest manifest = signed.manifest();
        boolean rootMatches = ShardMerkle.treeOf(manifest.shards()).root().equals(manifest.merkleRoot());
        if (signed.signature() instanceof BatchSeal seal) {
            checkSeal(signed, seal, rootMatches);
        } else {
            checkSingle(signed, (SingleSignature) signed.signature(), rootMatches);
        }
        if (!rootMatches) {
            throw ManifestCodec.malformed("merkle root " + manifest.merkleRoot().toHex() + " is not the root of the listed shard hashes");
        }
        return manifest;
    }

    private void checkSeal(SignedManifest signed, BatchSeal seal, boolean rootMatches) throws ShardException {
        VerifyingKey key = null;
        for (VerifyingKey k : trusted) {
            if (k.algorithm() == seal.algorithm() && k.fingerprint().equals(seal.signerKeyId())) {
                key = k;
            }
        }
        if (key == null) {
            throw invalid("manifest batch is signed by " + seal.algorithm().id() + " key " + shortHex(seal.signerKeyId())
                    + ", which is not a trusted key (trusted: " + describeTrusted() + ")");
        }
        Hash256 leaf = BatchSeal.leafOf(signed.body());
        if (!seal.proof().leadsTo(leaf, seal.batchRoot())) {
            throw invalid("manifest is not in the signed batch: its inclusion proof (leaf " + seal.leafIndex() + " of "
                    + seal.batchSize() + ") does not lead to batch root " + shortHex(seal.batchRoot())
                    + (rootMatches ? " (a manifest field or the proof was altered, or the proof is another batch's)"
                            : " (the shard hash list does not match the merkle root: a shard hash or the root was altered)"));
        }
        byte[] message = seal.signedMessage();
        byte[] signature = seal.signature();
        if (!checkSignature(key, message, signature)) {
            throw invalid("manifest batch signature does not verify with key " + shortHex(seal.signerKeyId())
                    + ": the signature, the batch root or the batch size was altered");
        }
    }

    private void checkSingle(SignedManifest signed, SingleSignature single, boolean rootMatches) throws ShardException {
        VerifyingKey key = null;
        for (VerifyingKey k : trusted) {
            if (Arrays.equals(k.spki(), single.signerSpki())) {
                key = k;
            }
        }
        if (key == null) {
            throw invalid("manifest is signed by key " + shortHex(Sha3.hash(single.signerSpki()))
                    + ", not a trusted key (trusted: " + describeTrusted() + ")");
        }
        if (!key.verify(signed.body(), single.signature())) {
            throw invalid("manifest signature does not verify: " + (rootMatches ? "a manifest field or the signature was altered"
                    : "the shard hash list does not match the merkle root (a shard hash or the root was altered)"));
        }
    }

    private boolean checkSignature(VerifyingKey key, byte[] message, byte[] signature) {
        if (cacheSize == 0) {
            return key.verify(message, signature);
        }
        Hash256 id = new Sha3().update(key.spki()).update(message).update(signature).digest();
        synchronized (verified) {
            if (verified.get(id) != null) {
                return true;
            }
        }
        if (!key.verify(message, signature)) {
            return false;
        }
        synchronized (verified) {
            verified.put(id, Boolean.TRUE);
        }
        return true;
    }

    private String describeTrusted() {
        StringBuilder b = new StringBuilder();
        for (VerifyingKey k : trusted) {
            b.append(b.length() == 0 ? "" : ", ").append(k.algorithm().id()).append(' ').append(shortHex(k.fingerprint()));
        }
        return b.length() == 0 ? "none" : b.toString();
    }

    private static String shortHex(Hash256 h) {
        return h.toHex().substring(0, 16);
    }

    private static ShardException invalid(String message) {
        return new ShardException(ShardErrorCode.MANIFEST_SIGNATURE_INVALID, message);
    }
}
