package io.stoq.crypto.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The merkle tree against RFC 6962's definitions; merges the former stoq-shard and stoq-ledger tests. */
class MerkleTreeTest {
    /** Leaf data items (each a 32-byte hash, as a shard manifest has). */
    static List<Hash256> data(int n) {
        List<Hash256> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Sha3.hash(new byte[] {(byte) i, (byte) (i >> 8)}));
        }
        return out;
    }

    static List<Hash256> leafHashesOf(List<Hash256> data) {
        List<Hash256> out = new ArrayList<>();
        data.forEach(d -> out.add(MerkleHash.leaf(d.toBytes())));
        return out;
    }

    /** Leaf hashes of one-byte items (as the ledger test built them). */
    static List<Hash256> leaves(int n) {
        List<Hash256> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(MerkleHash.leaf(new byte[] {(byte) i}));
        }
        return out;
    }

    static Hash256 node(Hash256 l, Hash256 r) {
        return Sha3.hash(new byte[] {1}, l.toBytes(), r.toBytes());
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
            List<Hash256> d = data(n);
            List<Hash256> leafHashes = leafHashesOf(d);
            MerkleTree tree = MerkleTree.ofLeafHashes(leafHashes);
            assertThat(tree.size()).isEqualTo(n);
            assertThat(tree.root()).as("root of %d", n).isEqualTo(mth(d));
            List<byte[]> raw = new ArrayList<>();
            d.forEach(h -> raw.add(h.toBytes()));
            assertThat(MerkleTree.ofData(raw).root()).isEqualTo(mth(d));
            for (int m = 0; m < n; m++) {
                InclusionProof proof = tree.proof(m);
                assertThat(proof.leafIndex()).isEqualTo(m);
                assertThat(proof.treeSize()).isEqualTo(n);
                assertThat(proof.path()).as("path %d of %d", m, n).isEqualTo(path(m, d));
                assertThat(proof.rootFrom(leafHashes.get(m))).isEqualTo(tree.root());
                assertThat(proof.leadsTo(leafHashes.get(m), tree.root())).isTrue();
                assertThat(InclusionProof.pathLength(m, n)).as("path length %d of %d", m, n).isEqualTo(proof.path().size());
            }
        }
    }

    @Test
    void rootFollowsRfc6962Shape() {
        List<Hash256> l = leaves(3);
        assertThat(MerkleTree.ofLeafHashes(l).root()).isEqualTo(node(node(l.get(0), l.get(1)), l.get(2)));
        assertThat(MerkleHash.leaf(new byte[] {5})).isEqualTo(Sha3.hash(new byte[] {0, 5}));
        assertThat(MerkleTree.ofLeafHashes(List.of()).root()).isEqualTo(Sha3.hash(new byte[0]));
        assertThat(MerkleHash.empty()).isEqualTo(Sha3.hash(new byte[0]));
        List<Hash256> five = leaves(5);
        assertThat(MerkleTree.ofLeafHashes(five).root()).isEqualTo(
                node(node(node(five.get(0), five.get(1)), node(five.get(2), five.get(3))), five.get(4)));
    }

    @Test
    void everyLeafOfEverySizeProvesAndNothingElseDoes() {
        for (int n = 1; n <= 40; n++) {
            List<Hash256> l = leaves(n);
            MerkleTree tree = MerkleTree.ofLeafHashes(l);
            Hash256 root = tree.root();
            for (int i = 0; i < n; i++) {
                InclusionProof p = tree.proof(i);
                assertThat(p.leadsTo(l.get(i), root)).as("n=%d i=%d", n, i).isTrue();
                Hash256 other = l.get((i + 1) % n);
                if (n > 1) {
                    assertThat(p.leadsTo(other, root)).isFalse();
                }
                assertThat(new InclusionProof(n, n, p.path()).leadsTo(l.get(i), root)).isFalse();
                assertThat(new InclusionProof(-1, n, p.path()).rootFrom(l.get(i))).isNull();
                assertThat(InclusionProof.pathLength(n, n)).isEqualTo(-1);
                assertThat(InclusionProof.pathLength(-1, n)).isEqualTo(-1);
                if (n > 1) { // in a one-leaf tree the root is the leaf hash
                    assertThat(new InclusionProof(i, n, p.path()).leadsTo(l.get(i), l.get(i))).isFalse();
                }
                if (!p.path().isEmpty()) {
                    List<Hash256> tampered = new ArrayList<>(p.path());
                    tampered.set(0, MerkleHash.leaf(new byte[] {(byte) 200}));
                    assertThat(new InclusionProof(i, n, tampered).leadsTo(l.get(i), root)).isFalse();
                    List<Hash256> shorter = p.path().subList(0, p.path().size() - 1);
                    assertThat(new InclusionProof(i, n, shorter).rootFrom(l.get(i))).isNull();
                }
                List<Hash256> longer = new ArrayList<>(p.path());
                longer.add(root);
                assertThat(new InclusionProof(i, n, longer).rootFrom(l.get(i))).isNull();
            }
        }
    }

    @Test
    void proofOutsideTheTreeIsRefused() {
        MerkleTree tree = MerkleTree.ofLeafHashes(leaves(4));
        assertThatThrownBy(() -> tree.proof(4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> tree.proof(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> MerkleTree.ofLeafHashes(List.of()).proof(0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    /** Why callers must pin size and index: the same path proves in another tree shape. */
    @Test
    void aPathAloneDoesNotPinTreeSizeOrIndex() {
        List<Hash256> l = leaves(3);
        MerkleTree tree = MerkleTree.ofLeafHashes(l);
        InclusionProof last = tree.proof(2);
        assertThat(new InclusionProof(1, 2, last.path()).leadsTo(l.get(2), tree.root())).isTrue();
        List<Hash256> twelve = leaves(12);
        MerkleTree t12 = MerkleTree.ofLeafHashes(twelve);
        assertThat(new InclusionProof(0, 13, t12.proof(0).path()).leadsTo(twelve.get(0), t12.root())).isTrue();
    }
}
