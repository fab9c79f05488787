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

    /**
     * A version stored under {@code erasure:K+M}: its pieces are repaired by {@link PieceRepairs}
     * (which piece belongs to which shard is in the manifest), its manifest body, stored whole,
     * wants {@code m+1} copies like a replicated shard.
     */
    record ErasureVersion(Ref ref, int k, int m, Hash256 manifest) {}

    private final LedgerReader ledger;
    private final Map<Hash256, Entry> shards = new HashMap<>();
    private final Map<Ref, ErasureVersion> erasure = new HashMap<>();
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
            version(new Ref(c.assetId(), 1), c.metadata());
        } else if (body instanceof TxBody.AssetUpdate u) {
            version(new Ref(u.assetId(), u.version()), u.metadata());
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

    /**
     * Records the copies a version's metadata asks for: its replica count (1 when it names no
     * policy: a single node's upload); for {@code erasure:K+M}, 0 (its pieces are counted per
     * shard by {@link PieceRepairs}) and the version is remembered with its manifest body's hash.
     */
    private void version(Ref ref, byte[] metadata) {
        int copies = 1;
        try {
            AssetMeta meta = AssetMeta.decode(metadata);
            String policy = meta == null ? null : meta.policy();
            if (policy != null) {
                RedundancyPolicy p = RedundancyPolicy.parse(policy);
                if (p instanceof RedundancyPolicy.Replicas r) {
                    copies = r.n();
                } else if (p instanceof RedundancyPolicy.Erasure e) {
                    copies = 0;
                    erasure.put(ref, new ErasureVersion(ref, e.k(), e.m(), Hash256.ofHex(meta.manifest())));
                }
            }
        } catch (ShardException | RuntimeException e) {
            LOG.debug("census: version {} of asset {} has metadata this node cannot read ({}); one copy wanted", ref.version(),
                    ref.assetId().toHex(), e.toString());
        }
        policies.put(ref, copies);
    }

    /** The erasure-coded versions not deleted, in no particular order. */
    List<ErasureVersion> erasureVersions() {
        List<ErasureVersion> out = new ArrayList<>();
        for (ErasureVersion v : erasure.values()) {
            if (!deletedAssets.contains(v.ref().assetId()) && !deletedVersions.contains(v.ref())) {
                out.add(v);
            }
        }
        return out;
    }

    /** The nodes whose proofs list {@code hash}, without {@code revoked}; empty when none does. */
    Set<String> holders(Hash256 hash, Set<String> revoked) {
        Entry e = shards.get(hash);
        if (e == null) {
            return Set.of();
        }
        Set<String> out = new HashSet<>(e.holders);
        out.removeAll(revoked);
        return out;
    }

    /** When this census first read a proof of {@code ref}; {@link java.time.Instant#EPOCH} when none yet. */
    java.time.Instant firstProof(Ref ref) {
        return firstProof.getOrDefault(ref, java.time.Instant.EPOCH);
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
                ErasureVersion ev = erasure.get(r);
                // an erasure version's manifest body is stored whole on m+1 nodes; its pieces are not counted here
                wanted = Math.max(wanted, ev != null && ev.manifest().equals(e.hash) ? ev.m() + 1 : policies.getOrDefault(r, 1));
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
