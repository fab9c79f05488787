package io.stoq.shard.manifest;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.merkle.InclusionProof;
import io.stoq.crypto.merkle.MerkleHash;
import io.stoq.crypto.sign.SignatureAlgorithm;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How a schema-2 manifest is signed: manifests finished at about the same time form a batch, an
 * RFC 6962 merkle tree over their body hashes, and the signer signs the batch once; each manifest
 * keeps the one signature and its own inclusion proof.
 *
 * <pre>
 *   leaf data      = SHA3-256(manifest body)              leaf = SHA3-256(0x00 || leaf data)
 *   signed message = "stoq/manifest-batch/v1" | u8 algorithm | signer key id (32) | u32 batch size | batch root (32)
 *   signer key id  = SHA3-256(signer SubjectPublicKeyInfo)
 * </pre>
 * The message pins the batch size (an audit path alone does not) and carries its own domain, so a
 * batch signature cannot be passed off as any other signature of the same key. Encoded after the
 * body, big-endian: {@code u8 algorithm | key id (32) | u32 leaf index | u32 batch size |
 * u8 path length | path (32 each) | batch root (32) | u32 signature length | signature}.
 */
public record BatchSeal(SignatureAlgorithm algorithm, Hash256 signerKeyId, InclusionProof proof, Hash256 batchRoot, byte[] signature)
        implements ManifestSignature {
    /** Domain of the signed message. */
    static final byte[] DOMAIN = "stoq/manifest-batch/v1".getBytes(StandardCharsets.US_ASCII);
    /** The largest batch a seal may name: bounds the path (16 hashes) a reader accepts. */
    public static final int MAX_BATCH = 1 << 16;
    /** Longest path a tree of {@link #MAX_BATCH} leaves has. */
    static final int MAX_PATH = 16;
    /** The suites a batch seal may use: SLH-DSA only (DESIGN section 3). */
    static final List<SignatureAlgorithm> ALGORITHMS = List.of(SignatureAlgorithm.SLH_DSA_SHA2_128F, SignatureAlgorithm.SLH_DSA_SHA2_128S);

    public BatchSeal {
        signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** Number of manifests the batch signature covers. */
    public int batchSize() {
        return proof.treeSize();
    }

    /** This manifest's position in the batch. */
    public int leafIndex() {
        return proof.leafIndex();
    }

    /** The merkle leaf of a manifest body: {@code H(0x00 || SHA3-256(body))}. */
    public static Hash256 leafOf(byte[] body) {
        return MerkleHash.leaf(Sha3.hash(body).toBytes());
    }

    /** The bytes the signer signs for a batch (see the class comment). */
    public static byte[] signedMessage(SignatureAlgorithm algorithm, Hash256 signerKeyId, int batchSize, Hash256 batchRoot) {
        return ByteBuffer.allocate(DOMAIN.length + 1 + Hash256.LENGTH + 4 + Hash256.LENGTH)
                .put(DOMAIN).put((byte) algorithm.code()).put(signerKeyId.toBytes()).putInt(batchSize).put(batchRoot.toBytes())
                .array();
    }

    /** This seal's signed message. */
    public byte[] signedMessage() {
        return signedMessage(algorithm, signerKeyId, batchSize(), batchRoot);
    }

    void writeTo(DataOutputStream out) throws IOException {
        out.writeByte(algorithm.code());
        out.write(signerKeyId.toBytes());
        out.writeInt(proof.leafIndex());
        out.writeInt(proof.treeSize());
        out.writeByte(proof.path().size());
        for (Hash256 h : proof.path()) {
            out.write(h.toBytes());
        }
        out.write(batchRoot.toBytes());
        out.writeInt(signature.length);
        out.write(signature);
    }
}
