package io.stoq.node.repair;

import io.stoq.crypto.hash.Hash256;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.net.discovery.PeerStatus;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.peer.PeerNetwork;
import io.stoq.node.replication.ShardPlacement;
import io.stoq.node.store.ShardStore;
import io.stoq.placement.rendezvous.NodeFacts;
import io.stoq.shard.analyze.RedundancyPolicy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the bytes of one repair: reads a verified copy of a shard (this node's store, or a
 * holder over STOQ, checked against the shard's hash on receipt) and writes new copies on the
 * nodes {@link ShardPlacement}'s rendezvous ranking chooses with the facts of now, preferring a
 * zone none of the good copies is in. Every byte moved is charged to the {@link ByteRate}.
 *
 * <p>Used by the repair thread only.
 */
final class ShardRepairer {
    private static final Logger LOG = LoggerFactory.getLogger(ShardRepairer.class);

    /**
     * Bytes charged to the budget for a fetch that failed: what it moved is unknown, and charging
     * nothing let a pass against unreachable holders dial as fast as handshakes time out.
     */
    static final long FAILED_READ_COST = 64 * 1024;

    private final ShardStore local;
    private final PeerNetwork peers;
    private final ShardPlacement placement;
    private final ByteRate rate;
    private final RepairMetrics metrics;

    ShardRepairer(ShardStore local, PeerNetwork peers, ShardPlacement placement, ByteRate rate, RepairMetrics metrics) {
        this.local = local;
        this.peers = peers;
        this.placement = placement;
        this.rate = rate;
        this.metrics = metrics;
    }

    /**
     * The shard's bytes, verified: this node's copy (a corrupt one is quarantined by the read and
     * skipped), else the first of {@code sources} that sends bytes hashing to the shard.
     * {@code NOT_FOUND} when none does.
     */
    byte[] read(Hash256 hash, Collection<String> sources) throws NodeException, InterruptedException {
        if (local.contains(hash)) {
            try {
                return local.get(hash);
            } catch (NodeException e) {
                LOG.warn("repair: this node's copy of shard {} is unusable: {}", hash.toHex(), e.getMessage());
            }
        }
        List<String> tried = new ArrayList<>();
        for (String node : sources) {
            PeerStatus p = peer(node);
            if (p == null) {
                continue;
            }
            try {
                return fetch(p, hash);
            } catch (NetException | IOException e) {
                // a failed fetch cost a dial or a partial transfer too: charged, so repair against peers that
                // cannot answer is held to the same budget as repair that works
                rate.acquire(FAILED_READ_COST);
                tried.add(node + " (" + e.getMessage() + ")");
            }
        }
        throw new NodeException(NodeErrorCode.NOT_FOUND, "no good copy of shard " + hash.toHex() + " could be read"
                + (tried.isEmpty() ? " (no holder reachable)" : ": " + String.join("; ", tried)));
    }

    /**
     * Fetches {@code hash} whole from {@code p} with {@code repair-read} (not counted as a read
     * served there; {@code get-shard} from a node without it), verified, charged to the rate.
     */
    private byte[] fetch(PeerStatus p, Hash256 hash) throws NetException, IOException, InterruptedException {
        PeerConnection c = peers.connect(p.addresses().get(0));
        byte[] bytes;
        try {
            bytes = ShardAudits.read(c, hash, peers.maxShardBytes());
        } catch (NetException e) {
            if (e.code() != NetErrorCode.UNKNOWN_MESSAGE) {
                throw e;
            }
            bytes = peers.fetch(c, hash); // a node from before repair-read
        }
        rate.acquire(bytes.length);
        metrics.bytes.addAndGet(bytes.length);
        return bytes;
    }

    /**
     * A piece audit: {@code nodeId}'s copy of {@code hash} read whole and checked against the
     * hash (a piece has one holder, so no other copy to check a range against); the refusal or
     * failure as a {@link NetException} ({@code NOT_FOUND}, {@code INTEGRITY}: the copy is bad).
     */
    void auditRead(String nodeId, Hash256 hash) throws NetException, InterruptedException {
        PeerStatus p = peer(nodeId);
        if (p == null) {
            throw new NetException(NetErrorCode.UNREACHABLE, "node " + nodeId + " has no known address");
        }
        try {
            fetch(p, hash);
        } catch (IOException e) {
            rate.acquire(FAILED_READ_COST);
            throw new NetException(NetErrorCode.CLOSED, "reading " + hash.toHex() + " from node " + nodeId + ": " + e.getMessage(), e);
        } catch (NetException e) {
            rate.acquire(FAILED_READ_COST);
            throw e;
        }
    }

    /**
     * Stores {@code missing} new copies of the shard on nodes other than {@code good} (the
     * holders whose copies count): first back on the reachable holders in {@code inPlace} (whose
     * copies failed an audit), then on the best rendezvous rank, a new zone first. Returns the
     * nodes that now hold a copy.
     */
    List<String> copy(Hash256 hash, byte[] bytes, Set<String> good, int missing, List<String> inPlace) throws InterruptedException {
        ShardPlacement.View view = placement.view();
        List<String> made = new ArrayList<>();
        for (String node : inPlace) {
            // a reachable holder whose copy failed an audit: writing it back there keeps its proof true
            // and costs no new proof; the holder itself restores it too (restoreHere), idempotently
            if (made.size() < missing && (node.equals(placement.selfId()) || view.peer(node) != null)
                    && store(node, hash, bytes, view) == null) {
                made.add(node);
            }
        }
        Set<String> zones = new HashSet<>();
        for (NodeFacts f : view.live()) {
            if (good.contains(f.nodeId())) {
                zones.add(f.zone());
            }
        }
        Set<String> excluded = new HashSet<>(good);
        excluded.addAll(inPlace);
        while (made.size() < missing) {
            List<NodeFacts> candidates = new ArrayList<>();
            List<NodeFacts> newZone = new ArrayList<>();
            for (NodeFacts f : view.live()) {
                if (!excluded.contains(f.nodeId())) {
                    candidates.add(f);
                    if (!zones.contains(f.zone())) {
                        newZone.add(f);
                    }
                }
            }
            if (candidates.isEmpty()) {
                break;
            }
            NodeFacts target = placement.place(hash, new RedundancyPolicy.Replicas(1), bytes.length,
                    newZone.isEmpty() ? candidates : newZone).targets().stream().findFirst().orElse(null);
            if (target == null) {
                break; // no node with room
            }
            excluded.add(target.nodeId());
            String failure = store(target.nodeId(), hash, bytes, view);
            if (failure == null) {
                made.add(target.nodeId());
                zones.add(target.zone());
            } else {
                LOG.warn("repair: shard {} could not be stored on node {}: {}", hash.toHex(), target.nodeId(), failure);
            }
        }
        return made;
    }

    /**
     * Stores one rebuilt piece of an erasure-coded shard on a live node holding nothing of that
     * shard (not in {@code excluded}), in a zone holding the fewest of its pieces now
     * ({@code zoneLoad}: the zone of each piece's live holder counted), as placement spreads
     * pieces evenly over zones; within those zones the rendezvous rank of the piece decides. A
     * node that refuses is skipped for the next. Returns the node that took it, or null when none
     * could. {@code excluded} and {@code zoneLoad} are updated with it.
     */
    String placePiece(Hash256 piece, byte[] bytes, Set<String> excluded, java.util.Map<String, Integer> zoneLoad)
            throws InterruptedException {
        ShardPlacement.View view = placement.view();
        while (true) {
            List<NodeFacts> candidates = new ArrayList<>();
            int least = Integer.MAX_VALUE;
            for (NodeFacts f : view.live()) {
                if (!excluded.contains(f.nodeId())) {
                    least = Math.min(least, zoneLoad.getOrDefault(f.zone(), 0));
                }
            }
            for (NodeFacts f : view.live()) {
                if (!excluded.contains(f.nodeId()) && zoneLoad.getOrDefault(f.zone(), 0) == least) {
                    candidates.add(f);
                }
            }
            if (candidates.isEmpty()) {
                return null;
            }
            NodeFacts target = placement.place(piece, new RedundancyPolicy.Replicas(1), bytes.length, candidates).targets().stream()
                    .findFirst().orElse(null);
            if (target == null) {
                return null; // no node with room
            }
            excluded.add(target.nodeId());
            String failure = store(target.nodeId(), piece, bytes, view);
            if (failure == null) {
                zoneLoad.merge(target.zone(), 1, Integer::sum);
                return target.nodeId();
            }
            LOG.warn("repair: piece {} could not be stored on node {}: {}", piece.toHex(), target.nodeId(), failure);
        }
    }

    /** Stores {@code bytes} (verified by the caller) back on {@code nodeId}, a holder whose copy was lost or bad; null when done, else why not. */
    String storeBack(String nodeId, Hash256 hash, byte[] bytes) throws InterruptedException {
        return store(nodeId, hash, bytes, placement.view());
    }

    /** The zone of each live node, from the facts of now. */
    java.util.Map<String, String> zones() {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        for (NodeFacts f : placement.view().live()) {
            out.put(f.nodeId(), f.zone());
        }
        return out;
    }

    /** Puts the bytes on {@code nodeId}; null when durable there, else why not. */
    private String store(String nodeId, Hash256 hash, byte[] bytes, ShardPlacement.View view) throws InterruptedException {
        if (nodeId.equals(placement.selfId())) {
            try {
                local.putTrusted(hash, bytes); // read verified above
                return null;
            } catch (NodeException e) {
                return e.getMessage();
            }
        }
        PeerStatus p = view.peer(nodeId);
        if (p == null) {
            return "not a live peer";
        }
        rate.acquire(bytes.length);
        try {
            PeerConnection c = peers.connect(p.addresses().get(0));
            peers.shards().put(c, hash, bytes.length, new ByteArrayInputStream(bytes));
            metrics.bytes.addAndGet(bytes.length);
            return null;
        } catch (NetException e) {
            return e.code() + ": " + e.getMessage();
        }
    }

    /** Fetches a copy this node's proof claims but its store lost (quarantined, deleted) back from the other holders. */
    boolean restoreHere(Hash256 hash, Collection<String> holders) throws InterruptedException {
        try {
            byte[] bytes = read(hash, holders);
            local.putTrusted(hash, bytes);
            metrics.restoredHere.incrementAndGet();
            LOG.info("repair: restored this node's lost copy of shard {} ({} bytes) from a holder", hash.toHex(), bytes.length);
            return true;
        } catch (NodeException e) {
            LOG.warn("repair: cannot restore this node's copy of shard {}: {}", hash.toHex(), e.getMessage());
            return false;
        }
    }

    /** The peer's status, when it is reachable with an address. */
    PeerStatus peer(String nodeId) {
        for (PeerStatus p : peers.peers()) {
            if (p.nodeId().equals(nodeId) && !p.addresses().isEmpty()) {
                return p;
            }
        }
        return null;
    }

    static boolean isRefusal(NetException e) {
        return e.code() == NetErrorCode.NOT_FOUND || e.code() == NetErrorCode.INTEGRITY;
    }
}
