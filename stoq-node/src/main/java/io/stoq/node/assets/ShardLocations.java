package io.stoq.node.assets;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.store.Indexes;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.store.StoredTx;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.ledger.LedgerReader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which nodes hold which shards of an asset, according to the ledger: every LOCATION_PROOF in the
 * asset's history. A version that reuses an earlier version's shards names them again, and the
 * nodes that proved them for the earlier version still hold them, so the holders of a hash are
 * taken from the proofs of every version of the asset (revoked nodes are left out).
 *
 * <p>Stateless; reads the ledger on each call. Thread-safe.
 */
final class ShardLocations {
    private final LedgerReader ledger;

    ShardLocations(LedgerReader ledger) {
        this.ledger = ledger;
    }

    /** Shard (or manifest) hash to the sorted ids of the unrevoked nodes whose proofs for the asset list it. */
    Map<Hash256, SortedSet<String>> of(Hash256 assetId) throws NodeException {
        try {
            LedgerStore store = ledger.store();
            var state = ledger.state();
            Map<Hash256, SortedSet<String>> out = new HashMap<>();
            Map<String, Boolean> usable = new HashMap<>();
            for (Hash256 txId : store.indexed(Indexes.ASSET_HISTORY, assetId)) {
                StoredTx t = store.tx(txId);
                if (t == null || !(t.tx().body() instanceof TxBody.LocationProof p)) {
                    continue;
                }
                boolean ok = usable.computeIfAbsent(p.nodeId(), id -> {
                    try {
                        var n = state.node(id);
                        return n != null && !n.revoked();
                    } catch (LedgerException e) {
                        return false;
                    }
                });
                if (!ok) {
                    continue;
                }
                for (Hash256 h : p.shardHashes()) {
                    out.computeIfAbsent(h, k -> new TreeSet<>()).add(p.nodeId());
                }
            }
            return out;
        } catch (LedgerException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot read the location proofs of asset " + assetId.toHex(), e);
        }
    }

    /** The holders of {@code hash}, empty when no proof lists it. */
    static List<String> holders(Map<Hash256, SortedSet<String>> locations, Hash256 hash) {
        SortedSet<String> s = locations.get(hash);
        return s == null ? List.of() : List.copyOf(s);
    }
}
