package io.stoq.ledger.block;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.merkle.MerkleTree;
import io.stoq.ledger.tx.Transaction;
import java.util.ArrayList;
import java.util.List;

/** A header and its transactions, in merkle-leaf order. */
public record Block(BlockHeader header, List<Transaction> txs) {
    public Block {
        txs = List.copyOf(txs);
    }

    /** Merkle root (RFC 6962 over SHA3-256, see stoq-crypto's {@link MerkleTree}) over the txs' canonical encodings. */
    public static Hash256 txRoot(List<Transaction> txs) {
        return tree(txs).root();
    }

    /** The tx merkle tree, whose leaf i is {@code H(0x00 || encoding of tx i)}. */
    public static MerkleTree tree(List<Transaction> txs) {
        return MerkleTree.ofLeafHashes(leafHashes(txs));
    }

    public static List<Hash256> leafHashes(List<Transaction> txs) {
        List<Hash256> leaves = new ArrayList<>(txs.size());
        for (Transaction tx : txs) {
            leaves.add(tx.leafHash());
        }
        return leaves;
    }
}
