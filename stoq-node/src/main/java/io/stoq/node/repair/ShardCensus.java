package io.stoq.node.repair;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.assets.AssetMeta;
import io.stoq.node.ledger.LedgerReader;
import io.stoq.shard.ShardException;
import io.stoq.shard.analyze.RedundancyPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every shard the ledger says is stored somewhere, with its holders and the copies its policy
 * wants: what repair and audits work from. Built from the ledger's blocks, read once and then
 * only the blocks added since the last {@link #catchUp} (location proofs say who holds a shard,
 * {@code ASSET_CREATE}/{@code ASSET_UPDATE} metadata the version's policy, deletes which shards no
 * longer need copies). Revoked nodes are left out when the census is read ({@link #shards}).
 *
 * <p>Memory: one entry per distinct shard hash of the network (about 150 bytes each plus the
 * holder ids); fine for the millions-of-shards scale a node's own index already keeps. A node
 * that joined by installing a snapshot starts at the first block it has: proofs before it are
 * not seen (see docs/placement.md, "Repair").
 *
 * <p>Used by the repair thread only ({@link #catchUp}, {@link #shards}); not thread-safe.
 */
final class ShardCensus {
    private static final Logger LOG = LoggerFactory.getLogger(ShardCensus.class);

    /** One version of an asset that names a shard (through a location proof). */
    record Ref(Hash256 assetId, long version) {}

    /** What the census knows of one shard. */
    static final class Entry {
        final Hash256 hash;
        /** Node ids whose proofs list the shard. */
        final Set<String> holders = new HashSet<>();
        /** The versions whose proofs list it. */
        final Set<Ref> refs = new HashSet<>();

        Entry(Hash256 hash) {
            this.hash = hash;
        }
    }

    /** A shard that still needs copies: its holders (unrevoked), copies wanted, and a live version to prove it under. */
    record Shard(Hash256 hash, Set<String> holders, int wanted, Ref proveUnder, java.time.Instant proveUnderSeen) {}

    private final LedgerReader ledger;
    private final Map<Hash256, Entry> shards = new HashMap<>();
    /** Copies each (asset, version) wants: its policy's replica count. */
    private final Map<Ref, Integer> policies = new HashMap<>();
    private final Set<Hash256> deletedAssets = new HashSet<>();
    private final Set<Ref> deletedVersions = new HashSet<>();
    /** When this census first read a proof of each version (its holders' proofs arrive over a while after that). */
    private final Map<Ref, java.time.Instant> firstProof = new HashMap<>();
    private final java.time.Clock clock;
    private long height = -1;

    ShardCensus(LedgerReader ledger, java.time.Clock clock) {
        this.ledger = ledger;
        this.clock = clock;
    }

    /** Reads the blocks committed since the last call. Returns how many it read. */
    int catchUp() throws LedgerException {
        long head = ledger.height();
        int read = 0;
        for (long h = height + 1; h <= head; h++) {
            Block b;
            try {
                b = ledger.store().block(h);
            } catch (LedgerException e) {
                // below an installed snapshot: those blocks are not here
                if (e.code() == io.stoq.ledger.LedgerErrorCode.NOT_FOUND) {
                    LOG.debug("census: block {} is not stored here (below a snapshot)", h);
                    height = h;
                    continue;
                }
                throw e;
            }
            for (Transaction tx : b.txs()) {
                apply(tx.body());
            }
            height = h;
            read++;
        }
        return read;
    }

    private void apply(TxBody body) {
        if (body instanceof TxBody.AssetCreate c) {
            policies.put(new Ref(c.assetId(), 1), copies(c.metadata()));
        } else if (body instanceof TxBody.AssetUpdate u) {
            policies.put(new Ref(u.assetId(), u.version()), copies(u.metadata()));
        } else if (body instanceof TxBody.AssetDelete d) {
            deletedAssets.add(d.assetId());
        } else if (body instanceof TxBody.AssetVersionDelete d) {
            deletedVersions.add(new Ref(d.assetId(), d.version()));
        } else if (body instanceof TxBody.LocationProof p) {
            Ref ref = new Ref(p.assetId(), p.version());
            firstProof.putIfAbsent(ref, clock.instant());
            for (Hash256 h : p.shardHashes()) {
                Entry e = shards.computeIfAbsent(h, Entry::new);
                e.holders.add(p.nodeId());
                e.refs.add(ref);
            }
        }
    }

    /** The replica count a version's metadata asks for; 1 when it names none (a single node's upload). */
    private static int copies(byte[] metadata) {
        try {
            AssetMeta meta = AssetMeta.decode(metadata);
            String policy = meta == null ? null : meta.policy();
            if (policy == null) {
                return 1;
            }
            RedundancyPolicy p = RedundancyPolicy.parse(policy);
            // erasure pieces are not repaired by this loop yet (0: left alone), see docs/placement.md
            return p instanceof RedundancyPolicy.Replicas r ? r.n() : 0;
        } catch (ShardException | RuntimeException e) {
            return 1;
        }
    }

    /**
     * The shards {@code owned} selects that some live version still needs, holders without
     * revoked nodes; the version a repaired copy is proved under is the newest live one naming it.
     */
    List<Shard> shards(java.util.function.Predicate<Hash256> owned, Set<String> revoked) {
        List<Shard> out = new ArrayList<>();
        for (Entry e : shards.values()) {
            if (!owned.test(e.hash)) {
                continue;
            }
            int wanted = 0;
            Ref newest = null;
            for (Ref r : e.refs) {
                if (deletedAssets.contains(r.assetId()) || deletedVersions.contains(r)) {
                    continue;
                }
                wanted = Math.max(wanted, policies.getOrDefault(r, 1));
                if (newest == null || r.version() > newest.version()) {
                    newest = r;
                }
            }
            if (newest == null || wanted == 0) {
                continue;
            }
            Set<String> holders = new HashSet<>(e.holders);
            holders.removeAll(revoked);
            out.add(new Shard(e.hash, holders, wanted, newest, firstProof.getOrDefault(newest, java.time.Instant.EPOCH)));
        }
        return out;
    }

    /** Records a copy repair made and proved, so the next pass counts it before the block is read. */
    void held(Hash256 hash, String nodeId) {
        Entry e = shards.get(hash);
        if (e != null) {
            e.holders.add(nodeId);
        }
    }

    /** Distinct shards known. */
    int size() {
        return shards.size();
    }
}
