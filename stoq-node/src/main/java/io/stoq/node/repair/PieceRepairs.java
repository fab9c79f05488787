package io.stoq.node.repair;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.store.ShardStore;
import io.stoq.placement.PlacementException;
import io.stoq.placement.erasure.EncodedShard;
import io.stoq.placement.erasure.ErasureCodec;
import io.stoq.placement.erasure.ErasureLayout;
import io.stoq.placement.erasure.Piece;
import io.stoq.shard.ShardException;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.codec.ShardEntry;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.ManifestBody;
import io.stoq.shard.manifest.PieceLayouts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repair of {@code erasure:K+M} versions: each shard is k+m pieces, each piece (normally) on one
 * node, so a lost piece has no other copy to fetch; it is rebuilt from k others. Which piece
 * belongs to which shard is in the version's manifest (schema 3, {@link PieceLayouts}), which the
 * ledger names by its body's hash: it is read once per version (this node's store or a holder of
 * the body), checked against that hash and kept.
 *
 * <p>Per shard, counted by the shard's repair owner (as for a whole shard, by the shard hash):
 * a piece is <i>live</i> when a holder (by location proof) is reachable and no audit found its
 * copy bad; a piece without a live holder is <i>missing</i> once every holder is past
 * {@code repair.grace} or bad (before that the shard is "awaiting grace"). Repair fetches k good
 * pieces (this node's first, then data before parity, each checked against the manifest's hash
 * for its index), decodes the shard, checks it against the shard hash, encodes it again and
 * checks every rebuilt piece against the manifest's piece hash before it is written: back on a
 * reachable holder whose copy was found bad (its proof stays true), else on a live node holding
 * nothing of that shard, in a zone with the fewest of its pieces (placement's even spread), the
 * piece's rendezvous rank deciding within those. New holders prove their pieces as repaired
 * copies are proved. A holder whose own proof lists a piece its store lost (quarantined by a read
 * or an audit) rebuilds it itself the same way.
 *
 * <p>Used by the repair thread only; not thread-safe.
 */
final class PieceRepairs {
    private static final Logger LOG = LoggerFactory.getLogger(PieceRepairs.class);

    /** One shard of an erasure-coded version, with what its manifest says of its pieces. */
    record PieceShard(ShardCensus.ErasureVersion version, int index, ShardEntry entry, PieceLayouts.Shard layout) {
        Hash256 hash() {
            return entry.hash();
        }

        List<Hash256> pieces() {
            return layout.pieceHashes();
        }

        ErasureLayout erasureLayout() {
            return new ErasureLayout(version.k(), version.m(), entry.storedLength(), layout.pieceSize(), layout.pieceHashes());
        }
    }

    /** Shards counted below policy in a pass, waiting for the grace, and waiting after a failed repair. */
    record Tally(int below, int waiting, int backingOff) {}

    private final RepairService service;
    private final ShardCensus census;
    private final ShardRepairer repairer;
    private final ShardStore local;
    private final String selfId;
    private final RepairMetrics metrics;
    /** Verified manifests of the erasure versions read so far. */
    private final Map<ShardCensus.Ref, AssetManifest> manifests = new HashMap<>();
    private final Map<Long, ErasureCodec> codecs = new HashMap<>();

    PieceRepairs(RepairService service, ShardCensus census, ShardRepairer repairer, ShardStore local, String selfId,
            RepairMetrics metrics) {
        this.service = service;
        this.census = census;
        this.repairer = repairer;
        this.local = local;
        this.selfId = selfId;
        this.metrics = metrics;
    }

    /** The shards of every erasure version not deleted whose manifest could be read (now or before). */
    List<PieceShard> shards(Set<String> revoked, Set<String> reachable, Instant now) throws InterruptedException {
        List<PieceShard> out = new ArrayList<>();
        Set<ShardCensus.Ref> live = new HashSet<>();
        for (ShardCensus.ErasureVersion v : census.erasureVersions()) {
            live.add(v.ref());
            if (census.firstProof(v.ref()).equals(Instant.EPOCH)) {
                continue; // committed, no proof read yet: its holders' proofs (the manifest's too) are on their way
            }
            AssetManifest m = manifest(v, revoked, reachable, now);
            if (m == null) {
                continue;
            }
            for (int i = 0; i < m.shards().size(); i++) {
                out.add(new PieceShard(v, i, m.shards().get(i), m.pieces().shards().get(i)));
            }
        }
        manifests.keySet().retainAll(live);
        return out;
    }

    private AssetManifest manifest(ShardCensus.ErasureVersion v, Set<String> revoked, Set<String> reachable, Instant now)
            throws InterruptedException {
        AssetManifest known = manifests.get(v.ref());
        if (known != null || !service.due(v.manifest(), now)) {
            return known;
        }
        List<String> sources = new ArrayList<>(census.holders(v.manifest(), revoked));
        sources.retainAll(reachable);
        sources.remove(selfId);
        try {
            AssetManifest m = ManifestBody.verify(repairer.read(v.manifest(), sources), v.manifest()).manifest();
            if (m.pieces() == null || m.pieces().k() != v.k() || m.pieces().m() != v.m()) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, "its manifest has no erasure:" + v.k() + "+" + v.m() + " layout");
            }
            manifests.put(v.ref(), m);
            return m;
        } catch (NodeException | ShardException e) {
            Duration wait = service.failed(v.manifest(), now);
            LOG.warn("repair on {}: the pieces of asset {} version {} cannot be counted: manifest {}: {}; tried again in {} s", selfId,
                    v.ref().assetId().toHex(), v.ref().version(), v.manifest().toHex(), e.getMessage(), wait.toSeconds());
            return null;
        }
    }

    /**
     * One pass over the erasure-coded shards: this node's own lost pieces rebuilt here, and the
     * shards it owns counted and repaired. New holders are added to {@code proved} (node, version,
     * piece hashes) for the caller to have them prove.
     */
    Tally pass(RepairService.View view, Set<String> reachable, Instant now, Set<String> revoked,
            Map<String, Map<ShardCensus.Ref, List<Hash256>>> proved) throws InterruptedException {
        int below = 0;
        int waiting = 0;
        int backingOff = 0;
        for (PieceShard s : shards(revoked, reachable, now)) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
            Map<Integer, Set<String>> holders = new LinkedHashMap<>();
            for (int i = 0; i < s.pieces().size(); i++) {
                holders.put(i, census.holders(s.pieces().get(i), revoked));
            }
            for (int i = 0; i < s.pieces().size(); i++) {
                Hash256 h = s.pieces().get(i);
                if (holders.get(i).contains(selfId) && !local.contains(h) && service.due(h, now)) {
                    restoreHere(s, i, holders, reachable, now);
                }
            }
            if (view.partitioned() || !selfId.equals(RepairService.owner(s.hash(), view.owners()))) {
                continue;
            }
            List<Integer> missing = new ArrayList<>();
            boolean awaited = false;
            boolean anyBad = false;
            boolean unproved = false;
            for (int i = 0; i < s.pieces().size(); i++) {
                Set<String> bad = service.badOf(s.pieces().get(i));
                anyBad |= !bad.isEmpty();
                unproved |= holders.get(i).isEmpty();
                if (holders.get(i).stream().anyMatch(n -> reachable.contains(n) && !bad.contains(n))) {
                    continue;
                }
                if (holders.get(i).stream().anyMatch(n -> service.counts(n, reachable, now) && !bad.contains(n))) {
                    awaited = true;
                } else {
                    missing.add(i);
                }
            }
            if (missing.isEmpty() && !awaited) {
                continue;
            }
            if (!anyBad && unproved && service.settling(census.firstProof(s.version().ref()), now)) {
                continue; // a fresh version: its holders' proofs may still be on their way
            }
            below++;
            if (missing.isEmpty()) {
                waiting++;
            } else if (!service.due(s.hash(), now)) {
                backingOff++;
            } else {
                rebuild(s, missing, holders, reachable, now, proved);
            }
        }
        return new Tally(below, waiting, backingOff);
    }

    private void rebuild(PieceShard s, List<Integer> missing, Map<Integer, Set<String>> holders, Set<String> reachable, Instant now,
            Map<String, Map<ShardCensus.Ref, List<Hash256>>> proved) throws InterruptedException {
        Map<Integer, Piece> rebuilt;
        try {
            rebuilt = rebuildPieces(s, new HashSet<>(missing), holders, reachable);
        } catch (NodeException e) {
            metrics.repairFailures.incrementAndGet();
            Duration wait = service.failed(s.hash(), now);
            LOG.warn("repair on {}: pieces {} of shard {} are missing and {}; tried again in {} s", selfId, missing, s.hash().toHex(),
                    e.getMessage(), wait.toSeconds());
            return;
        }
        Set<String> excluded = new HashSet<>(); // every node a proof names for any piece of this shard, live or not
        holders.values().forEach(excluded::addAll);
        Map<String, String> zones = repairer.zones();
        Map<String, Integer> zoneLoad = new HashMap<>();
        for (int i = 0; i < s.pieces().size(); i++) {
            if (missing.contains(i)) {
                continue;
            }
            Set<String> bad = service.badOf(s.pieces().get(i));
            holders.get(i).stream().filter(n -> reachable.contains(n) && !bad.contains(n) && zones.containsKey(n)).findFirst()
                    .ifPresent(n -> zoneLoad.merge(zones.get(n), 1, Integer::sum));
        }
        int made = 0;
        for (int i : missing) {
            Hash256 hash = s.pieces().get(i);
            byte[] bytes = rebuilt.get(i).data();
            String node = null;
            for (String h : holders.get(i)) {
                // a reachable holder whose copy is bad or lost: written back there, its proof stays true
                if (reachable.contains(h) && service.badOf(hash).contains(h) && repairer.storeBack(h, hash, bytes) == null) {
                    node = h;
                    zoneLoad.merge(zones.getOrDefault(h, ""), 1, Integer::sum);
                    break;
                }
            }
            if (node == null) {
                node = repairer.placePiece(hash, bytes, excluded, zoneLoad);
            }
            if (node == null) {
                LOG.warn("repair on {}: no live node holding nothing of shard {} took its rebuilt piece {}", selfId, s.hash().toHex(), i);
                continue;
            }
            made++;
            metrics.repaired.incrementAndGet();
            service.clearBad(hash, node);
            proved.computeIfAbsent(node, k -> new LinkedHashMap<>()).computeIfAbsent(s.version().ref(), k -> new ArrayList<>()).add(hash);
        }
        if (made < missing.size()) {
            metrics.repairFailures.incrementAndGet();
            service.failed(s.hash(), now);
        } else {
            service.succeeded(s.hash());
            LOG.info("repair on {}: rebuilt pieces {} of shard {} (asset {} version {})", selfId, missing, s.hash().toHex(),
                    s.version().ref().assetId().toHex(), s.version().ref().version());
        }
    }

    /** Rebuilds piece {@code i} that this node's proof lists and its store lost, and stores it here. */
    private void restoreHere(PieceShard s, int i, Map<Integer, Set<String>> holders, Set<String> reachable, Instant now)
            throws InterruptedException {
        Hash256 hash = s.pieces().get(i);
        try {
            Piece p = rebuildPieces(s, Set.of(i), holders, reachable).get(i);
            local.putTrusted(hash, p.data()); // checked against the manifest's piece hash by rebuildPieces
            metrics.restoredHere.incrementAndGet();
            service.succeeded(hash);
            service.clearBad(hash, selfId);
            LOG.info("repair: rebuilt this node's lost piece {} of shard {} ({} bytes)", i, s.hash().toHex(), p.data().length);
        } catch (NodeException e) {
            Duration wait = service.failed(hash, now);
            LOG.warn("repair: cannot rebuild this node's piece {} of shard {}: {}; tried again in {} s", i, s.hash().toHex(),
                    e.getMessage(), wait.toSeconds());
        }
    }

    /**
     * The pieces {@code wanted} of {@code s}, rebuilt from k good others and each checked against
     * the manifest's hash for its index. {@code NOT_FOUND} when fewer than k pieces can be read,
     * {@code CORRUPT_DATA} when the rebuilt shard or a rebuilt piece does not hash as the manifest says.
     */
    Map<Integer, Piece> rebuildPieces(PieceShard s, Set<Integer> wanted, Map<Integer, Set<String>> holders, Set<String> reachable)
            throws NodeException, InterruptedException {
        ErasureLayout layout = s.erasureLayout();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < s.pieces().size(); i++) {
            if (!wanted.contains(i)) {
                order.add(i);
            }
        }
        // held here first (no transfer), then data before parity (no decoding when all k data pieces come)
        order.sort(Comparator.comparingInt((Integer i) -> local.contains(s.pieces().get(i)) ? 0 : 1).thenComparingInt(i -> i));
        List<Piece> good = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (int i : order) {
            if (good.size() == layout.k()) {
                break;
            }
            Hash256 h = s.pieces().get(i);
            Set<String> bad = service.badOf(h);
            List<String> sources = new ArrayList<>();
            List<String> suspect = new ArrayList<>();
            for (String n : holders.getOrDefault(i, Set.of())) {
                if (reachable.contains(n) && !n.equals(selfId)) {
                    (bad.contains(n) ? suspect : sources).add(n);
                }
            }
            sources.addAll(suspect); // every piece is checked against its hash: a bad mark is a last resort, not a ban
            try {
                Piece p = Piece.of(i, repairer.read(h, sources));
                layout.verify(p);
                good.add(p);
            } catch (NodeException e) {
                failures.add("piece " + i + ": " + e.getMessage());
            } catch (PlacementException e) {
                failures.add("piece " + i + ": " + e.getMessage());
            }
        }
        if (good.size() < layout.k()) {
            throw new NodeException(NodeErrorCode.NOT_FOUND, good.size() + " of the " + layout.k() + " pieces needed could be read: "
                    + String.join("; ", failures));
        }
        ErasureCodec codec = codecs.computeIfAbsent(((long) layout.k() << 32) | layout.m(),
                key -> ErasureCodec.of(new RedundancyPolicy.Erasure(layout.k(), layout.m())));
        try {
            byte[] shard = codec.decode(layout, good);
            if (!Sha3.hash(shard).equals(s.hash())) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, "the shard decoded from pieces "
                        + good.stream().map(Piece::index).toList() + " does not hash to " + s.hash().toHex());
            }
            EncodedShard again = codec.encode(shard);
            Map<Integer, Piece> out = new HashMap<>();
            for (int i : wanted) {
                Piece p = again.pieces().get(i);
                if (!p.sha3().equals(s.pieces().get(i)) || p.data().length != s.layout().pieceSize()) {
                    throw new NodeException(NodeErrorCode.CORRUPT_DATA, "rebuilt piece " + i + " of shard " + s.hash().toHex()
                            + " does not hash to the manifest's " + s.pieces().get(i).toHex());
                }
                out.put(i, p);
            }
            return out;
        } catch (PlacementException e) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "shard " + s.hash().toHex() + " could not be rebuilt: " + e.getMessage(), e);
        }
    }
}
