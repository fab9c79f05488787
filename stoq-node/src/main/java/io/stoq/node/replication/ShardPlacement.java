package io.stoq.node.replication;

import io.stoq.crypto.hash.Hash256;
import io.stoq.net.discovery.Liveness;
import io.stoq.net.discovery.PeerStatus;
import io.stoq.node.peer.PeerNetwork;
import io.stoq.placement.rendezvous.NodeFacts;
import io.stoq.placement.rendezvous.Placement;
import io.stoq.placement.rendezvous.PlacementRequest;
import io.stoq.placement.rendezvous.PlacementSettings;
import io.stoq.placement.rendezvous.RendezvousPlacer;
import io.stoq.shard.analyze.RedundancyPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a shard's copies go, as this node sees the network right now: stoq-placement's
 * {@link RendezvousPlacer} over this node and every peer discovery hears
 * {@link Liveness#ALIVE alive}, each with the facts the peer layer measured (zone from its signed
 * record, free bytes from its latest record, throughput from shard transfers, RTT from
 * heartbeats; this node itself at RTT zero with its own disk's free bytes). Placement knows
 * nothing of liveness: a node discovery holds {@code DEAD} (or never heard) is simply not offered;
 * a {@code SUSPECT} one is (see {@link #view}).
 *
 * <p>Stateless apart from its settings; thread-safe.
 */
public final class ShardPlacement {
    private final PeerNetwork peers;
    private final String selfId;
    private final String selfZone;
    private final Path dataDir;
    private final RendezvousPlacer placer;

    public ShardPlacement(PeerNetwork peers, String selfId, String selfZone, Path dataDir, PlacementSettings settings) {
        this.peers = peers;
        this.selfId = selfId;
        this.selfZone = selfZone;
        this.dataDir = dataDir;
        this.placer = new RendezvousPlacer(settings);
    }

    /** A view of the live nodes taken once per upload, so every shard of it is placed against the same facts. */
    public record View(List<NodeFacts> live, List<PeerStatus> peers, int knownNodes) {
        /** The peer status of {@code nodeId}, null for this node or one not in the view. */
        public PeerStatus peer(String nodeId) {
            for (PeerStatus p : peers) {
                if (p.nodeId().equals(nodeId)) {
                    return p;
                }
            }
            return null;
        }
    }

    /** This node and its alive or suspect peers, with what was measured of each; {@code knownNodes} counts every member. */
    public View view() {
        List<NodeFacts> live = new ArrayList<>();
        live.add(new NodeFacts(selfId, selfZone, ownFreeBytes(), 0, Duration.ZERO));
        List<PeerStatus> alive = new ArrayList<>();
        List<PeerStatus> all = peers.peers();
        for (PeerStatus p : all) {
            // SUSPECT too: a node that missed a heartbeat or two under load is still the right
            // target; if it is really gone, its copy fails fast and goes to the next node instead.
            boolean reachable = p.liveness() == Liveness.ALIVE || p.liveness() == Liveness.SUSPECT;
            if (!reachable || p.addresses().isEmpty() || p.nodeId().equals(selfId)) {
                continue;
            }
            alive.add(p);
            live.add(new NodeFacts(p.nodeId(), p.zone(), Math.max(0, p.freeBytes()), (long) Math.max(0, p.throughputBytesPerSecond()),
                    p.rtt() == null ? Duration.ZERO : p.rtt()));
        }
        return new View(List.copyOf(live), List.copyOf(alive), 1 + (int) all.stream().filter(p -> !p.nodeId().equals(selfId)).count());
    }

    /** The targets of one shard (or, for a larger policy, a longer ranking to pick replacements from). */
    public Placement place(Hash256 shard, RedundancyPolicy policy, long bytesPerTarget, List<NodeFacts> nodes) {
        return placer.place(new PlacementRequest(shard, policy, bytesPerTarget), nodes);
    }

    public String selfId() {
        return selfId;
    }

    private long ownFreeBytes() {
        try {
            return Files.getFileStore(dataDir).getUsableSpace();
        } catch (IOException e) {
            return 0; // unknown: the reserve check then leaves this node out, as it would a full one
        }
    }
}
