package io.stoq.ledger.block;

import io.stoq.crypto.hash.Hash256;
import java.util.List;

/** An RFC 9162 audit path: leaf {@code index} of a tree of {@code treeSize} leaves, sibling hashes bottom-up. */
public record InclusionProof(int index, int treeSize, List<Hash256> path) {
    public InclusionProof {
        path = List.copyOf(path);
    }
}
