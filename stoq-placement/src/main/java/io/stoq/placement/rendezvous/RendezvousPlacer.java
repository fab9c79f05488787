package io.stoq.placement.rendezvous;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Chooses the nodes of one shard: weighted rendezvous (highest-random-weight) hashing over the live
 * nodes, copies spread over zones, the first copy near the writer.
 *
 * <ol>
 *   <li><b>Eligible</b>: a node takes a target only if {@code freeBytes - bytesPerTarget >=
 *       reserveBytes}; the others are skipped (counted in {@link Placement.Partial}).
 *   <li><b>Rank</b>: eligible nodes by {@link RendezvousScore} descending (node id breaks a tie,
 *       which needs a SHA3 collision on 53 bits and equal weights).
 *   <li><b>First copy</b>: the lowest-RTT node among the best {@code nearCandidates} of the
 *       ranking (rank breaks an RTT tie). Bounded: a node can only win it when the hash already
 *       put it among those few, so a near node gets at most {@code nearCandidates} times its fair
 *       share of first copies, never all of them.
 *   <li><b>Zones</b>: the rest are taken in passes over the ranking; in each pass a node is taken
 *       only if no node of its zone was taken in that pass (the first copy's zone counts in the
 *       first pass). So copies cover as many distinct zones as exist before any zone gets a
 *       second, and for {@code erasure:K+M} the pieces are spread as evenly as the zones allow.
 * </ol>
 *
 * <p>Deterministic: the answer depends only on the request, the set of nodes (not their order)
 * and the settings, so every node that knows the same facts computes the same placement. The RTTs
 * are the writer's own, so in practice the writer decides and the ledger's location proofs, not a
 * recomputation, say where a shard is.
 *
 * <p>Minimal disruption: a node that is not among a shard's targets never influences them (it is
 * skipped in every pass it appears in), so removing it moves nothing, and adding a node moves only
 * the shards it becomes a target of. This holds exactly while RTT preference leaves the first copy
 * to rank order (equal RTTs, or {@code nearCandidates = 1}); with RTT preference a node among the
 * best {@code nearCandidates} can change which of them is first.
 *
 * <p>Immutable and thread-safe.
 */
public final class RendezvousPlacer {
    private final PlacementSettings settings;

    public RendezvousPlacer(PlacementSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** The settings every placement of this placer uses. */
    public PlacementSettings settings() {
        return settings;
    }

    /**
     * Places {@code request} on {@code liveNodes} (any order; node ids must be distinct).
     *
     * @throws IllegalArgumentException if two nodes share an id
     */
    public Placement place(PlacementRequest request, Collection<NodeFacts> liveNodes) {
        int wanted = request.targetsWanted();
        List<Ranked> ranked = new ArrayList<>(liveNodes.size());
        Set<String> ids = new HashSet<>();
        int skippedForSpace = 0;
        for (NodeFacts node : liveNodes) {
            if (!ids.add(node.nodeId())) {
                throw new IllegalArgumentException("node " + node.nodeId() + " appears twice in the live node set");
            }
            if (!hasRoom(node, request.bytesPerTarget())) {
                skippedForSpace++;
                continue;
            }
            double weight = RendezvousScore.weight(node, settings);
            double score = RendezvousScore.score(weight, RendezvousScore.uniform(request.shardKey(), node.nodeId()));
            if (score > 0) {
                ranked.add(new Ranked(node, score));
            } else {
                skippedForSpace++;
            }
        }
        ranked.sort(Comparator.comparingDouble(Ranked::score).reversed()
                .thenComparing(r -> r.node().nodeId()));

        List<NodeFacts> targets = choose(ranked, wanted);
        return targets.size() == wanted
                ? new Placement.Full(targets)
                : new Placement.Partial(targets, wanted, skippedForSpace);
    }

    private boolean hasRoom(NodeFacts node, long bytes) {
        // free - bytes >= reserve, written so that it cannot overflow
        return node.freeBytes() >= bytes && node.freeBytes() - bytes >= settings.reserveBytes();
    }

    private List<NodeFacts> choose(List<Ranked> ranked, int wanted) {
        List<NodeFacts> targets = new ArrayList<>(Math.min(wanted, ranked.size()));
        if (ranked.isEmpty() || wanted == 0) {
            return targets;
        }
        int firstIndex = nearest(ranked);
        NodeFacts first = ranked.get(firstIndex).node();
        targets.add(first);

        List<NodeFacts> rest = new ArrayList<>(ranked.size() - 1);
        for (int i = 0; i < ranked.size(); i++) {
            if (i != firstIndex) {
                rest.add(ranked.get(i).node());
            }
        }
        Set<String> zonesThisPass = new HashSet<>();
        zonesThisPass.add(first.zone());
        while (targets.size() < wanted && !rest.isEmpty()) {
            for (var it = rest.iterator(); it.hasNext() && targets.size() < wanted; ) {
                NodeFacts node = it.next();
                if (zonesThisPass.add(node.zone())) {
                    targets.add(node);
                    it.remove();
                }
            }
            zonesThisPass.clear();
        }
        return targets;
    }

    /** Index of the lowest-RTT node among the best {@code nearCandidates}; the best rank on a tie. */
    private int nearest(List<Ranked> ranked) {
        int limit = Math.min(settings.nearCandidates(), ranked.size());
        int best = 0;
        for (int i = 1; i < limit; i++) {
            if (ranked.get(i).node().rtt().compareTo(ranked.get(best).node().rtt()) < 0) {
                best = i;
            }
        }
        return best;
    }

    private record Ranked(NodeFacts node, double score) {
    }
}
