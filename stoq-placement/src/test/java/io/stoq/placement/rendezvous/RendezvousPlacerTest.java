package io.stoq.placement.rendezvous;

import static io.stoq.placement.rendezvous.Clusters.GIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.shard.analyze.RedundancyPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The guarantees docs/placement.md states for {@link RendezvousPlacer}. */
class RendezvousPlacerTest {
    private static final RendezvousPlacer PLACER = new RendezvousPlacer(Clusters.NO_RTT);
    private static final long SHARD = 4L << 20;

    private static PlacementRequest replicas(Hash256 key, int n) {
        return new PlacementRequest(key, new RedundancyPolicy.Replicas(n), SHARD);
    }

    @Property(tries = 60)
    void theSameInputsGiveTheSameAnswerInAnyOrder(@ForAll("clusters") List<NodeFacts> nodes,
            @ForAll @IntRange(min = 1, max = 6) int copies, @ForAll long seed) {
        List<NodeFacts> shuffled = new ArrayList<>(nodes);
        Collections.shuffle(shuffled, new Random(seed));
        RendezvousPlacer other = new RendezvousPlacer(Clusters.NO_RTT);
        for (int i = 0; i < 50; i++) {
            PlacementRequest request = replicas(Clusters.key(seed, i), copies);
            assertThat(other.place(request, shuffled)).isEqualTo(PLACER.place(request, nodes));
        }
    }

    @Property(tries = 60)
    void copiesAreDistinctNodesCoveringAsManyZonesAsExist(@ForAll("clusters") List<NodeFacts> nodes,
            @ForAll @IntRange(min = 1, max = 8) int copies, @ForAll long seed) {
        long zones = nodes.stream().map(NodeFacts::zone).distinct().count();
        for (int i = 0; i < 50; i++) {
            Placement placement = PLACER.place(replicas(Clusters.key(seed, i), copies), nodes);
            assertThat(placement.nodeIds()).doesNotHaveDuplicates().hasSize(Math.min(copies, nodes.size()));
            assertThat(placement.distinctZones()).isEqualTo((int) Math.min(copies, zones));
            assertThat(placement instanceof Placement.Full).isEqualTo(nodes.size() >= copies);
        }
    }

    @Property(tries = 40)
    void removingANodeMovesOnlyTheShardsThatHadACopyOnIt(@ForAll("clusters") List<NodeFacts> nodes,
            @ForAll @IntRange(min = 1, max = 5) int copies, @ForAll long seed) {
        NodeFacts gone = nodes.get((int) Math.floorMod(seed, (long) nodes.size()));
        List<NodeFacts> after = nodes.stream().filter(n -> n != gone).collect(Collectors.toList());
        for (int i = 0; i < 200; i++) {
            PlacementRequest request = replicas(Clusters.key(seed, i), copies);
            Placement before = PLACER.place(request, nodes);
            Placement now = PLACER.place(request, after);
            if (!before.nodeIds().contains(gone.nodeId())) {
                assertThat(now.nodeIds()).isEqualTo(before.nodeIds());
            } else {
                // the survivors keep their copies: only the lost copy is placed anew
                assertThat(now.nodeIds()).containsAll(
                        before.nodeIds().stream().filter(id -> !id.equals(gone.nodeId())).collect(Collectors.toList()));
            }
        }
    }

    @Property(tries = 40)
    void addingANodeMovesOnlyShardsOntoIt(@ForAll("clusters") List<NodeFacts> nodes,
            @ForAll @IntRange(min = 1, max = 5) int copies, @ForAll long seed) {
        NodeFacts added = new NodeFacts("added", "z" + Math.floorMod(seed, 6L), 512 * GIB, 0, Duration.ofMillis(10));
        List<NodeFacts> after = new ArrayList<>(nodes);
        after.add(added);
        for (int i = 0; i < 200; i++) {
            PlacementRequest request = replicas(Clusters.key(seed, i), copies);
            Placement before = PLACER.place(request, nodes);
            Placement now = PLACER.place(request, after);
            if (!now.nodeIds().contains("added")) {
                assertThat(now.nodeIds()).isEqualTo(before.nodeIds());
            }
        }
    }

    @Test
    void addingOneOfNPlusOneEqualNodesMovesAboutOneInNPlusOneCopies() {
        for (int copies : new int[] {1, 3}) {
            List<NodeFacts> nodes = Clusters.uniform(9, 9);
            List<NodeFacts> after = new ArrayList<>(nodes);
            after.add(new NodeFacts("node-new", "zone-new", 1024 * GIB, 0, Duration.ofMillis(20)));
            int keys = 20_000;
            int moved = 0;
            for (int i = 0; i < keys; i++) {
                PlacementRequest request = replicas(Clusters.key(7, i), copies);
                List<String> before = PLACER.place(request, nodes).nodeIds();
                List<String> now = PLACER.place(request, after).nodeIds();
                List<String> lost = new ArrayList<>(before);
                lost.removeAll(now);
                moved += lost.size();
            }
            // expected share of copies that move: 1/(n+1) = 0.1; 20k keys keep the noise < 0.005
            assertThat((double) moved / (keys * copies)).as("copies moved, %d per shard", copies)
                    .isBetween(0.09, 0.11);
        }
    }

    @Test
    void firstCopiesFollowTheWeightsOver100kKeys() {
        // weights 1:2:3:4:5 from free space, and a slow node at half the reference throughput
        List<NodeFacts> nodes = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            nodes.add(new NodeFacts("node-" + i, "zone-" + i, i * 100 * GIB, 0, Duration.ZERO));
        }
        nodes.add(new NodeFacts("slow", "zone-6", 400 * GIB, 50_000_000L, Duration.ZERO)); // weight 200 GiB
        double total = (1 + 2 + 3 + 4 + 5 + 2) * 100.0;
        Map<String, Integer> firsts = new HashMap<>();
        int keys = 100_000;
        for (int i = 0; i < keys; i++) {
            firsts.merge(PLACER.place(replicas(Clusters.key(11, i), 1), nodes).nodeIds().get(0), 1, Integer::sum);
        }
        for (NodeFacts node : nodes) {
            double expected = keys * RendezvousScore.weight(node, Clusters.NO_RTT) / (total * GIB);
            // stated tolerance: +-5% of the expected count (the smallest share, 1/17, is ~5900 keys: 4 sigma)
            assertThat((double) firsts.getOrDefault(node.nodeId(), 0)).as(node.nodeId())
                    .isBetween(expected * 0.95, expected * 1.05);
        }
    }

    @Test
    void aNodeWithoutRoomGetsNothing() {
        // a large reserve, so the node just below it weighs as much as the others
        RendezvousPlacer placer = new RendezvousPlacer(new PlacementSettings(1000 * GIB, 100_000_000L, 1));
        List<NodeFacts> nodes = new ArrayList<>(Clusters.uniform(6, 3));
        nodes.add(new NodeFacts("full", "zone-0", 0, 0, Duration.ZERO));
        nodes.add(new NodeFacts("below-reserve", "zone-9", 1000 * GIB + SHARD - 1, 0, Duration.ZERO));
        for (int i = 0; i < 5_000; i++) {
            Placement placement = placer.place(replicas(Clusters.key(3, i), 3), nodes);
            assertThat(placement.nodeIds()).doesNotContain("full", "below-reserve");
            assertThat(placement).isInstanceOf(Placement.Full.class);
        }
        // the same node with one more byte is eligible again, and its zone of its own draws copies
        nodes.set(7, nodes.get(7).withFreeBytes(1000 * GIB + SHARD));
        long chosen = IntStream.range(0, 2_000)
                .filter(i -> placer.place(replicas(Clusters.key(3, i), 3), nodes).nodeIds().contains("below-reserve"))
                .count();
        assertThat(chosen).isGreaterThan(500);
    }

    @Test
    void tooFewNodesIsAPartialAnswerSayingWhatIsMissing() {
        List<NodeFacts> nodes = new ArrayList<>(Clusters.uniform(3, 3));
        nodes.add(new NodeFacts("full", "zone-0", 10, 0, Duration.ZERO));
        Placement placement = PLACER.place(
                new PlacementRequest(Clusters.key(1, 1), new RedundancyPolicy.Erasure(4, 2), SHARD), nodes);
        assertThat(placement).isInstanceOf(Placement.Partial.class);
        Placement.Partial partial = (Placement.Partial) placement;
        assertThat(partial.targets()).hasSize(3);
        assertThat(partial.wanted()).isEqualTo(6);
        assertThat(partial.missing()).isEqualTo(3);
        assertThat(partial.skippedForSpace()).isEqualTo(1);

        Placement none = PLACER.place(replicas(Clusters.key(1, 1), 3), List.of());
        assertThat(none).isEqualTo(new Placement.Partial(List.of(), 3, 0));
    }

    @Test
    void erasurePiecesSpreadEvenlyOverZones() {
        List<NodeFacts> nodes = Clusters.uniform(9, 3);
        for (int i = 0; i < 2_000; i++) {
            Placement placement = PLACER.place(
                    new PlacementRequest(Clusters.key(5, i), new RedundancyPolicy.Erasure(4, 2), SHARD / 4), nodes);
            Map<String, Long> perZone = placement.targets().stream()
                    .collect(Collectors.groupingBy(NodeFacts::zone, Collectors.counting()));
            assertThat(perZone.values()).containsOnly(2L);
        }
    }

    @Test
    void theFirstCopyPrefersANearNodeAmongTheBestCandidatesOnly() {
        List<NodeFacts> nodes = new ArrayList<>(Clusters.uniform(10, 10));
        nodes.set(0, nodes.get(0).withRtt(Duration.ofMillis(1)));
        RendezvousPlacer near = new RendezvousPlacer(new PlacementSettings(GIB, 100_000_000L, 3));
        int keys = 20_000;
        int firstNear = 0;
        int holdsCopyNear = 0;
        int holdsCopyRank = 0;
        for (int i = 0; i < keys; i++) {
            PlacementRequest request = replicas(Clusters.key(9, i), 3);
            Placement withRtt = near.place(request, nodes);
            Placement byRank = PLACER.place(request, nodes);
            if (withRtt.nodeIds().get(0).equals("node-0")) {
                firstNear++;
                // it won only from among the best three of the ranking
                assertThat(byRank.nodeIds()).contains("node-0");
            }
            holdsCopyNear += withRtt.nodeIds().contains("node-0") ? 1 : 0;
            holdsCopyRank += byRank.nodeIds().contains("node-0") ? 1 : 0;
        }
        // fair share of first copies is 1/10; the near node gets its top-3 chance, 3/10, not all
        assertThat((double) firstNear / keys).isBetween(0.28, 0.32);
        // with one zone per node and nearCandidates = copies, preference reorders, it adds no load
        assertThat(holdsCopyNear).isEqualTo(holdsCopyRank);
    }

    @Test
    void aNodeListedTwiceIsRefused() {
        List<NodeFacts> nodes = new ArrayList<>(Clusters.uniform(3, 3));
        nodes.add(nodes.get(1));
        assertThatThrownBy(() -> PLACER.place(replicas(Clusters.key(1, 1), 3), nodes))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("node-1");
    }

    @Provide
    Arbitrary<List<NodeFacts>> clusters() {
        return Clusters.clusters();
    }
}
