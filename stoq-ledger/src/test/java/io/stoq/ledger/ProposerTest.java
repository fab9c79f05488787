package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.verify.ChainVerifier;
import io.stoq.ledger.verify.VerifyReport;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may propose a block (BlockRules): an admin account, or a registered voter node that is not
 * revoked and whose certificate has not expired at the block's time. A writer refuses to commit
 * anything else, and a follower (or verify) refuses such a block made elsewhere.
 */
class ProposerTest {
    static TestNetwork net;
    static NodeKeys voter;
    static NodeKeys storage;
    static NodeKeys shortLived;
    static final Instant T1 = TestNetwork.T0.plusSeconds(10);

    @TempDir
    Path dir;

    @BeforeAll
    static void keys() throws Exception {
        net = new TestNetwork();
        voter = NodeKeys.generate();
        storage = NodeKeys.generate();
        shortLived = NodeKeys.generate();
    }

    /** Genesis and one admin-proposed block registering a voter, a storage-only node and a voter whose certificate ends at T0+1d. */
    private Ledger ledgerWithNodes(Path path) throws Exception {
        Ledger ledger = Ledger.open(path);
        ledger.genesis(net.admin, TestNetwork.NAME, List.of(net.admin.publicKey().getEncoded()), net.root.getEncoded(), TestNetwork.T0);
        long nonce = 2;
        List<byte[]> voterChain = net.nodeChain("voter-1", voter, TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(30)));
        List<byte[]> storageChain = net.nodeChain("storage-1", storage, TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(30)),
                Set.of(NodeRole.STORAGE, NodeRole.GATEWAY));
        List<byte[]> shortChain = net.nodeChain("voter-2", shortLived, TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(1)));
        assertThat(ledger.commit(List.of(net.txWithNonce(net.admin, nonce++, new TxBody.NodeRegister(voterChain)),
                net.txWithNonce(net.admin, nonce++, new TxBody.NodeRegister(storageChain)),
                net.txWithNonce(net.admin, nonce, new TxBody.NodeRegister(shortChain))), T1, net.admin).rejected()).isEmpty();
        assertThat(ledger.state().node("storage-1").roles()).containsExactlyInAnyOrder(NodeRole.STORAGE, NodeRole.GATEWAY);
        assertThat(ledger.state().node("voter-1").roles()).contains(NodeRole.VOTER);
        return ledger;
    }

    @Test
    void onlyAdminsAndLiveVotersPropose() throws Exception {
        try (Ledger ledger = ledgerWithNodes(dir.resolve("l"))) {
            assertRefused(ledger, storage.falcon(), T1, "proposer node storage-1 is not a voter (its certificate grants gateway,storage)");
            assertRefused(ledger, shortLived.falcon(), TestNetwork.T0.plus(Duration.ofDays(2)), "voter-2's certificate expired at");
            assertRefused(ledger, TestNetwork.newKey(), T1, "is not an admin or an active node");
            // A voter proposes; so does an admin account.
            assertThat(ledger.commit(List.of(), T1.plusSeconds(1), voter.falcon()).header().proposer())
                    .isEqualTo(voter.falcon().verifyingKey().fingerprint());
            ledger.commit(List.of(), T1.plusSeconds(2), net.admin);
            // Once revoked on the ledger, a voter proposes no more.
            ledger.commit(List.of(net.txWithNonce(net.admin, 5, new TxBody.NodeRevoke("voter-1", "compromised"))), T1.plusSeconds(3),
                    net.admin);
            assertRefused(ledger, voter.falcon(), T1.plusSeconds(4), "proposer node voter-1 is revoked");
            assertThat(new ChainVerifier(ledger.store(), false).verify().ok()).isTrue();
        }
    }

    @Test
    void aFollowerRefusesABlockProposedByANonVoter() throws Exception {
        try (Ledger writer = ledgerWithNodes(dir.resolve("w")); Ledger follower = Ledger.open(dir.resolve("f"))) {
            follower.append(writer.store().block(0));
            follower.append(writer.store().block(1));
            // The writer makes block 2 (admin-proposed); the storage node re-signs its header as if it had proposed it.
            Block honest = writer.commit(List.of(), T1.plusSeconds(1), net.admin).block();
            BlockHeader h = honest.header();
            BlockHeader forged = BlockHeader.sign(writer.network(), h.format(), h.height(), h.previousHash(), h.txRoot(), h.stateRoot(), h.time(),
                    h.txCount(), storage.falcon());
            assertThatThrownBy(() -> follower.append(new Block(forged, honest.txs()))).isInstanceOfSatisfying(LedgerException.class,
                    e -> {
                        assertThat(e.code()).isEqualTo(LedgerErrorCode.INVALID_BLOCK);
                        assertThat(e.getMessage()).isEqualTo("block 2: proposer node storage-1 is not a voter "
                                + "(its certificate grants gateway,storage); only voters propose blocks");
                    });
            follower.append(honest);
            assertThat(follower.head().hash()).isEqualTo(writer.head().hash());
        }
    }

    @Test
    void verifyNamesABlockFromANonVoter() throws Exception {
        Path path = dir.resolve("v");
        try (Ledger ledger = ledgerWithNodes(path)) {
            ledger.commit(List.of(), T1.plusSeconds(1), voter.falcon());
        }
        // Swap block 2's header for one signed by the storage node, as a node that writes its own store could.
        try (io.stoq.ledger.store.LedgerStore store = io.stoq.ledger.store.LedgerStore.open(path)) {
            Block b = store.block(2);
            BlockHeader h = b.header();
            BlockHeader forged = BlockHeader.sign(io.stoq.ledger.tx.NetworkId.of(TestNetwork.NAME, net.root.getEncoded()), h.format(), h.height(),
                    h.previousHash(), h.txRoot(), h.stateRoot(), h.time(), h.txCount(), storage.falcon());
            byte[] record = store.blockRecord(2);
            byte[] oldHeader = h.encode();
            byte[] newHeader = forged.encode();
            // The block record starts with the length-prefixed header (LedgerStore.BlockRecord).
            assertThat(java.util.Arrays.copyOfRange(record, 4, 4 + oldHeader.length)).isEqualTo(oldHeader);
            byte[] patched = new io.stoq.ledger.tx.CanonicalWriter().bytes(newHeader)
                    .raw(java.util.Arrays.copyOfRange(record, 4 + oldHeader.length, record.length)).toBytes();
            byte[][] key = new byte[1][];
            store.rawScan(io.stoq.ledger.store.LedgerStore.Family.BLOCKS, (k, v) -> {
                if (java.util.Arrays.equals(v, record)) {
                    key[0] = k;
                }
            });
            store.rawPut(io.stoq.ledger.store.LedgerStore.Family.BLOCKS, key[0], patched);
        }
        try (io.stoq.ledger.store.LedgerStore store = io.stoq.ledger.store.LedgerStore.openReadOnly(path)) {
            VerifyReport report = new ChainVerifier(store, false).verify();
            assertThat(report.ok()).isFalse();
            assertThat(report.firstBadHeight()).isEqualTo(2);
            assertThat(report.reason()).contains("storage-1 is not a voter");
        }
    }

    private static void assertRefused(Ledger ledger, SigningKey proposer, Instant time, String why) {
        long before = ledger.height();
        assertThatThrownBy(() -> ledger.commit(List.of(), time, proposer)).isInstanceOfSatisfying(LedgerException.class, e -> {
            assertThat(e.code()).isEqualTo(LedgerErrorCode.CONFLICT);
            assertThat(e.getMessage()).startsWith("cannot propose: block " + (before + 1) + ": ").contains(why);
        });
        assertThat(ledger.height()).isEqualTo(before);
    }
}
