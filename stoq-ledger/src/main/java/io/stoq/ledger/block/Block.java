package io.stoq.ledger.block;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.tx.Transaction;
import java.util.ArrayList;
import java.util.List;

/** A header and its transactions, in merkle-leaf order. */
public record Block(BlockHeader header, List<Transaction> txs) {
    public Block {
        txs = List.copyOf(txs);
    }

    /** Merkle root over the txs' canonical encodings. */
    public static Hash256 txRoot(List<Transaction> txs) {
        return MerkleTree.root(leafHashes(txs));
    }

    public static List<Hash256> leafHashes(List<Transaction> txs) {
        List<Hash256> leaves = new ArrayList<>(txs.size());
        for (Transaction tx : txs) {
            leaves.add(tx.leafHash());
        }
        return leaves;
    }
}
