package io.stoq.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.TestNetwork;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.ChainFormat;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A leader does not decode again a log entry that is exactly the block it proposed, and any other
 * entry is decoded (and checked) in full, even one whose header names the leader's proposal.
 */
class WireOwnProposalTest {
    @Test
    void anEntryThatIsTheOwnProposalIsTakenAsItAndAnyOtherIsDecoded() throws Exception {
        TestNetwork net = new TestNetwork();
        Transaction a = net.tx(net.admin, TestNetwork.create(TestNetwork.assetId(1), 1, AssetPolicy.CREATOR_ONLY));
        Transaction b = net.tx(net.admin, TestNetwork.create(TestNetwork.assetId(2), 1, AssetPolicy.CREATOR_ONLY));
        BlockHeader header = BlockHeader.sign(net.network, ChainFormat.CURRENT, 5, Hash256.of(new byte[32]),
                Block.txRoot(ChainFormat.CURRENT, List.of(a, b)), Hash256.of(new byte[32]), Instant.parse("2026-12-03T00:00:00Z"), 1, net.admin);
        Block own = new Block(header, List.of(a, b));
        byte[] entry = Wire.block(own);

        assertThat(Wire.decodeBlock(entry, h -> h.equals(header.hash()) ? own : null)).as("the own proposal, not decoded").isSameAs(own);

        // The same header over other txs (what a forger would send): its bytes differ, so it is decoded in full.
        Block other = new Block(header, List.of(a));
        byte[] forged = Wire.block(other);
        Block decoded = Wire.decodeBlock(forged, h -> own);
        assertThat(decoded).isNotSameAs(own);
        assertThat(decoded.txs()).extracting(Transaction::id).containsExactly(a.id());
        assertThat(decoded.txs().get(0).signedHere(net.network)).as("decoded from bytes, trusted for nothing").isFalse();

        // A truncated entry is malformed whatever the leader proposed.
        byte[] cut = java.util.Arrays.copyOf(entry, entry.length - 1);
        assertThatThrownBy(() -> Wire.decodeBlock(cut, h -> own)).isInstanceOfSatisfying(ConsensusException.class,
                e -> assertThat(e.code()).isEqualTo(ConsensusErrorCode.MALFORMED));
    }
}
