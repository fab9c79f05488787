package io.stoq.shard.merkle;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.merkle.InclusionProof;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The canonical encoding of a shard's inclusion proof (the {@code proofs/<index>.proof} files and
 * what a peer sends with a shard), big-endian:
 * {@code version u8 (=1) | leafIndex u32 | treeSize u32 | count u8 | count x 32-byte hash}.
 *
 * <p>Stateless and thread-safe.
 */
public final class ProofCodec {
    public static final int VERSION = 1;
    /** A tree of 2^31 leaves needs at most 31 hashes; 64 leaves room for nothing malicious. */
    public static final int MAX_PATH = 64;
    private static final int HEADER = 10;

    private ProofCodec() {}

    public static byte[] encode(InclusionProof proof) {
        ByteBuffer out = ByteBuffer.allocate(HEADER + proof.path().size() * Hash256.LENGTH);
        out.put((byte) VERSION).putInt(proof.leafIndex()).putInt(proof.treeSize()).put((byte) proof.path().size());
        for (Hash256 h : proof.path()) {
            out.put(h.toBytes());
        }
        return out.array();
    }

    /** Parses an encoded proof; any deviation from the canonical form is {@code PROOF_INVALID}. */
    public static InclusionProof decode(byte[] encoded) throws ShardException {
        if (encoded.length < HEADER) {
            throw invalid("truncated: " + encoded.length + " bytes, the header alone is 10");
        }
        ByteBuffer in = ByteBuffer.wrap(encoded);
        int version = in.get() & 0xff;
        if (version != VERSION) {
            throw invalid("unknown proof version " + version);
        }
        int index = in.getInt();
        int size = in.getInt();
        int count = in.get() & 0xff;
        if (index < 0 || size <= 0 || index >= size) {
            throw invalid("leaf index " + index + " is not inside a tree of " + size);
        }
        if (count > MAX_PATH || encoded.length != HEADER + count * Hash256.LENGTH) {
            throw invalid("expected " + count + " hashes (" + (HEADER + count * Hash256.LENGTH)
                    + " bytes) but got " + encoded.length + " bytes");
        }
        List<Hash256> path = new ArrayList<>(count);
        byte[] h = new byte[Hash256.LENGTH];
        for (int i = 0; i < count; i++) {
            in.get(h);
            path.add(Hash256.of(h));
        }
        return new InclusionProof(index, size, path);
    }

    private static ShardException invalid(String why) {
        return new ShardException(ShardErrorCode.PROOF_INVALID, "malformed inclusion proof: " + why);
    }
}
