package io.stoq.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.placement.erasure.EncodedShard;
import io.stoq.placement.erasure.ErasureCodec;
import io.stoq.placement.erasure.Piece;
import io.stoq.placement.rendezvous.NodeFacts;
import io.stoq.placement.rendezvous.Placement;
import io.stoq.placement.rendezvous.PlacementRequest;
import io.stoq.placement.rendezvous.PlacementSettings;
import io.stoq.placement.rendezvous.RendezvousPlacer;
import io.stoq.shard.analyze.RedundancyPolicy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The two parts together, in the shapes issue 13's acceptance names (5 nodes in 3 zones with
 * {@code replicas:3}; {@code erasure:4+2} with any 2 of 6 nodes lost), before the node wires them.
 */
class AcceptanceShapesTest {
    private static final long GIB = 1L << 30;
    private final RendezvousPlacer placer = new RendezvousPlacer(PlacementSettings.DEFAULT);

    private static List<NodeFacts> nodes(int n) {
        List<NodeFacts> nodes = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            nodes.add(new NodeFacts("node-" + i, "zone-" + ((i - 1) % 3 + 1), (100 + 37L * i) * GIB, 0,
                    Duration.ofMillis(5L * i)));
        }
        return nodes;
    }

    private static Hash256 key(int i) {
        return Sha3.hash(ByteBuffer.allocate(4).putInt(i).array());
    }

    @Test
    void fiveNodesInThreeZonesGiveEveryShardThreeNodesInThreeZones() {
        List<NodeFacts> nodes = nodes(5);
        for (int i = 0; i < 16; i++) { // a 64 MiB upload in 4 MiB shards
            Placement placement = placer.place(
                    new PlacementRequest(key(i), RedundancyPolicy.DEFAULT, 4L << 20), nodes);
            assertThat(placement).isInstanceOf(Placement.Full.class);
            assertThat(placement.nodeIds()).doesNotHaveDuplicates().hasSize(3);
            assertThat(placement.distinctZones()).isEqualTo(3);
        }
    }

    @Test
    void fourPlusTwoOnSixNodesSurvivesAnyTwoNodesOrAWholeZone() throws PlacementException {
        RedundancyPolicy.Erasure policy = new RedundancyPolicy.Erasure(4, 2);
        ErasureCodec codec = ErasureCodec.of(policy);
        List<NodeFacts> nodes = nodes(6);
        for (int shardIndex = 0; shardIndex < 4; shardIndex++) {
            byte[] shard = new byte[1_000_003 + shardIndex];
            new Random(shardIndex).nextBytes(shard);
            EncodedShard encoded = codec.encode(shard);
            Placement placement = placer.place(new PlacementRequest(Sha3.hash(shard), policy,
                    encoded.layout().pieceSize()), nodes);
            assertThat(placement).isInstanceOf(Placement.Full.class);
            List<String> holder = placement.nodeIds(); // holder.get(i) stores piece i

            for (int a = 1; a <= 6; a++) {
                for (int b = a + 1; b <= 6; b++) {
                    Set<String> lost = Set.of("node-" + a, "node-" + b);
                    assertThat(codec.decode(encoded.layout(), survivors(encoded, holder, lost)))
                            .as("nodes %s lost", lost).isEqualTo(shard);
                }
            }
            for (String zone : List.of("zone-1", "zone-2", "zone-3")) {
                List<String> inZone = placement.targets().stream().filter(n -> n.zone().equals(zone))
                        .map(NodeFacts::nodeId).toList();
                assertThat(inZone).hasSize(2);
                assertThat(codec.decode(encoded.layout(), survivors(encoded, holder, Set.copyOf(inZone))))
                        .as("%s lost", zone).isEqualTo(shard);
            }
            assertThat(encoded.layout().storedBytes()).isEqualTo(6L * encoded.layout().pieceSize());
        }
    }

    private static List<Piece> survivors(EncodedShard encoded, List<String> holder, Set<String> lost) {
        List<Piece> pieces = new ArrayList<>();
        for (int i = 0; i < holder.size(); i++) {
            if (!lost.contains(holder.get(i))) {
                pieces.add(encoded.pieces().get(i));
            }
        }
        return pieces;
    }
}
