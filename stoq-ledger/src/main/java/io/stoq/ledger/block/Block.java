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

    /** The merkle root over {@code txs} in a block of {@code format} (RFC 6962 over SHA3-256, see stoq-crypto's {@link MerkleTree}). */
    public static Hash256 txRoot(ChainFormat format, List<Transaction> txs) {
        return MerkleTree.ofLeafHashes(leafHashes(format, txs)).root();
    }

    /** This block's tx merkle tree, whose leaf i is {@code format.leaf(tx i)} ({@link ChainFormat#leaf(Transaction)}). */
    public MerkleTree tree() {
        return MerkleTree.ofLeafHashes(leafHashes(header.format(), txs));
    }

    private static List<Hash256> leafHashes(ChainFormat format, List<Transaction> txs) {
        List<Hash256> leaves = new ArrayList<>(txs.size());
        for (Transaction tx : txs) {
            leaves.add(format.leaf(tx));
        }
        return leaves;
    }
}
