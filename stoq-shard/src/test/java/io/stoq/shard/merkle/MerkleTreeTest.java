package io.stoq.shard.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {
    static List<Hash256> leaves(int n) {
        List<Hash256> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Sha3.hash(new byte[] {(byte) i, (byte) (i >> 8)}));
        }
        return out;
    }

    // RFC 6962 section 2.1, written straight from the definitions as an independent reference.
    static Hash256 mth(List<Hash256> d) {
        if (d.isEmpty()) {
            return Sha3.hash(new byte[0]);
        }
        if (d.size() == 1) {
            return Sha3.hash(new byte[] {0}, d.get(0).toBytes());
        }
        int k = Integer.highestOneBit(d.size() - 1);
        return Sha3.hash(new byte[] {1}, mth(d.subList(0, k)).toBytes(), mth(d.subList(k, d.size())).toBytes());
    }

    static List<Hash256> path(int m, List<Hash256> d) {
        List<Hash256> out = new ArrayList<>();
        if (d.size() <= 1) {
            return out;
        }
        int k = Integer.highestOneBit(d.size() - 1);
        if (m < k) {
            out.addAll(path(m, d.subList(0, k)));
            out.add(mth(d.subList(k, d.size())));
        } else {
            out.addAll(path(m - k, d.subList(k, d.size())));
            out.add(mth(d.subList(0, k)));
        }
        return out;
    }

    @Test
    void rootsAndPathsMatchTheRfcDefinitionsForEverySizeUpTo70() {
        for (int n = 0; n <= 70; n++) {
            List<Hash256> d = leaves(n);
            MerkleTree tree = MerkleTree.of(d);
            assertThat(tree.root()).as("root of %d", n).isEqualTo(mth(d));
            for (int m = 0; m < n; m++) {
                InclusionProof proof = tree.proof(m);
                assertThat(proof.path()).as("path %d of %d", m, n).isEqualTo(path(m, d));
                assertThat(MerkleVerifier.verify(tree.root(), n, m, d.get(m), proof)).isTrue();
            }
        }
    }

    @Test
    void anyChangeToLeafProofOrRootIsRejected() throws ShardException {
        List<Hash256> d = leaves(13);
        MerkleTree tree = MerkleTree.of(d);
        for (int m = 0; m < d.size(); m++) {
            InclusionProof proof = tree.proof(m);
            assertThat(MerkleVerifier.verify(tree.root(), 13, m, d.get((m + 1) % 13), proof)).isFalse();
            assertThat(MerkleVerifier.verify(d.get(0), 13, m, d.get(m), proof)).isFalse();
            byte[] encoded = proof.encode();
            assertThat(InclusionProof.decode(encoded)).isEqualTo(proof);
            for (int bit = 0; bit < encoded.length * 8; bit++) {
                byte[] flipped = encoded.clone();
                flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                InclusionProof bad;
                try {
                    bad = InclusionProof.decode(flipped);
                } catch (ShardException e) {
                    assertThat(e.code()).isEqualTo(ShardErrorCode.PROOF_INVALID);
                    continue;
                }
                assertThat(MerkleVerifier.verify(tree.root(), 13, m, d.get(m), bad)).as("proof %d bit %d", m, bit).isFalse();
            }
        }
    }

    @Test
    void truncatedProofsAreTypedErrors() {
        byte[] encoded = MerkleTree.of(leaves(9)).proof(4).encode();
        for (int len = 0; len < encoded.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(encoded, len);
            assertThatThrownBy(() -> InclusionProof.decode(cut)).isInstanceOf(ShardException.class)
                    .hasMessageStartingWith("malformed inclusion proof");
        }
    }
}
