package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.ledger.block.InclusionProof;
import io.stoq.ledger.block.MerkleTree;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {
    static List<Hash256> leaves(int n) {
        List<Hash256> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(MerkleTree.leafHash(new byte[] {(byte) i}));
        }
        return out;
    }

    static Hash256 node(Hash256 l, Hash256 r) {
        return Sha3.hash(new byte[] {1}, l.toBytes(), r.toBytes());
    }

    @Test
    void rootFollowsRfc6962Shape() {
        List<Hash256> l = leaves(3);
        assertThat(MerkleTree.root(l)).isEqualTo(node(node(l.get(0), l.get(1)), l.get(2)));
        assertThat(MerkleTree.leafHash(new byte[] {5})).isEqualTo(Sha3.hash(new byte[] {0, 5}));
        assertThat(MerkleTree.root(List.of())).isEqualTo(Sha3.hash(new byte[0]));
        List<Hash256> five = leaves(5);
        assertThat(MerkleTree.root(five)).isEqualTo(
                node(node(node(five.get(0), five.get(1)), node(five.get(2), five.get(3))), five.get(4)));
    }

    @Test
    void everyLeafOfEverySizeProvesAndNothingElseDoes() {
        for (int n = 1; n <= 40; n++) {
            List<Hash256> l = leaves(n);
            Hash256 root = MerkleTree.root(l);
            for (int i = 0; i < n; i++) {
                InclusionProof p = MerkleTree.prove(l, i);
                assertThat(MerkleTree.verify(l.get(i), p, root)).as("n=%d i=%d", n, i).isTrue();
                Hash256 other = l.get((i + 1) % n);
                if (n > 1) {
                    assertThat(MerkleTree.verify(other, p, root)).isFalse();
                }
                assertThat(MerkleTree.verify(l.get(i), new InclusionProof(n, n, p.path()), root)).isFalse();
                if (!p.path().isEmpty()) {
                    List<Hash256> tampered = new ArrayList<>(p.path());
                    tampered.set(0, MerkleTree.leafHash(new byte[] {(byte) 200}));
                    assertThat(MerkleTree.verify(l.get(i), new InclusionProof(i, n, tampered), root)).isFalse();
                }
            }
        }
    }
}
