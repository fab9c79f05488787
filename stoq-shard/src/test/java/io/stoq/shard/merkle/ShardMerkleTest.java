package io.stoq.shard.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.merkle.InclusionProof;
import io.stoq.crypto.merkle.MerkleTree;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shard tree, its pinned verifier and the proof file encoding. The tree construction itself is
 * tested against RFC 6962 in stoq-crypto's {@code MerkleTreeTest}.
 */
class ShardMerkleTest {
    static List<Hash256> leaves(int n) {
        List<Hash256> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Sha3.hash(new byte[] {(byte) i, (byte) (i >> 8)}));
        }
        return out;
    }

    /**
     * The shard tree is stoq-crypto's tree with the shard hashes as leaf data (that tree is checked
     * against RFC 6962's definitions in stoq-crypto's MerkleTreeTest).
     */
    static Hash256 expectedRoot(List<Hash256> d) {
        List<byte[]> data = new ArrayList<>();
        d.forEach(h -> data.add(h.toBytes()));
        return MerkleTree.ofData(data).root();
    }

    @Test
    void everyShardOfEverySizeUpTo70Verifies() throws ShardException {
        for (int n = 0; n <= 70; n++) {
            List<Hash256> d = leaves(n);
            MerkleTree tree = ShardMerkle.tree(d);
            assertThat(tree.root()).as("root of %d", n).isEqualTo(expectedRoot(d));
            for (int m = 0; m < n; m++) {
                InclusionProof proof = tree.proof(m);
                assertThat(ShardMerkle.verify(tree.root(), n, m, d.get(m), proof)).isTrue();
                assertThat(ProofCodec.decode(ProofCodec.encode(proof))).isEqualTo(proof);
            }
        }
    }

    @Test
    void leafDataIsTheShardHash() {
        List<Hash256> two = leaves(2);
        Hash256 l0 = Sha3.hash(new byte[] {0}, two.get(0).toBytes());
        Hash256 l1 = Sha3.hash(new byte[] {0}, two.get(1).toBytes());
        assertThat(ShardMerkle.leaf(two.get(0))).isEqualTo(l0);
        assertThat(ShardMerkle.tree(two.subList(0, 1)).root()).isEqualTo(l0);
        assertThat(ShardMerkle.tree(two).root()).isEqualTo(Sha3.hash(new byte[] {1}, l0.toBytes(), l1.toBytes()));
    }

    @Test
    void anyChangeToLeafProofOrRootIsRejected() throws ShardException {
        List<Hash256> d = leaves(13);
        MerkleTree tree = ShardMerkle.tree(d);
        for (int m = 0; m < d.size(); m++) {
            InclusionProof proof = tree.proof(m);
            assertThat(ShardMerkle.verify(tree.root(), 13, m, d.get((m + 1) % 13), proof)).isFalse();
            assertThat(ShardMerkle.verify(d.get(0), 13, m, d.get(m), proof)).isFalse();
            byte[] encoded = ProofCodec.encode(proof);
            assertThat(ProofCodec.decode(encoded)).isEqualTo(proof);
            for (int bit = 0; bit < encoded.length * 8; bit++) {
                byte[] flipped = encoded.clone();
                flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                InclusionProof bad;
                try {
                    bad = ProofCodec.decode(flipped);
                } catch (ShardException e) {
                    assertThat(e.code()).isEqualTo(ShardErrorCode.PROOF_INVALID);
                    continue;
                }
                assertThat(ShardMerkle.verify(tree.root(), 13, m, d.get(m), bad)).as("proof %d bit %d", m, bit).isFalse();
            }
        }
    }

    /** The manifest's size and index are pinned even where the hashes alone would still lead to the root. */
    @Test
    void sizeAndIndexComeFromTheManifestNotTheProof() {
        List<Hash256> twelve = leaves(12);
        MerkleTree t12 = ShardMerkle.tree(twelve);
        InclusionProof claims13 = new InclusionProof(0, 13, t12.proof(0).path());
        assertThat(claims13.leadsTo(ShardMerkle.leaf(twelve.get(0)), t12.root())).isTrue();
        assertThat(ShardMerkle.verify(t12.root(), 12, 0, twelve.get(0), claims13)).isFalse();
        List<Hash256> three = leaves(3);
        MerkleTree t3 = ShardMerkle.tree(three);
        InclusionProof asLeaf1Of2 = new InclusionProof(1, 2, t3.proof(2).path());
        assertThat(asLeaf1Of2.leadsTo(ShardMerkle.leaf(three.get(2)), t3.root())).isTrue();
        assertThat(ShardMerkle.verify(t3.root(), 3, 2, three.get(2), asLeaf1Of2)).isFalse();
        assertThat(ShardMerkle.verify(t3.root(), 2, 1, three.get(2), asLeaf1Of2)).isTrue(); // only a wrong manifest would say so
    }

    @Test
    void truncatedProofsAreTypedErrors() {
        byte[] encoded = ProofCodec.encode(ShardMerkle.tree(leaves(9)).proof(4));
        for (int len = 0; len < encoded.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(encoded, len);
            assertThatThrownBy(() -> ProofCodec.decode(cut)).isInstanceOf(ShardException.class)
                    .hasMessageStartingWith("malformed inclusion proof");
        }
    }
}
