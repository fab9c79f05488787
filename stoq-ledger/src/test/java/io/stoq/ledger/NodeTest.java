package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.verify.ChainVerifier;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node register/revoke with real Falcon certificates, location proofs, and network txs. */
class NodeTest {
    static TestNetwork net;
    static SigningKey nodeKey;
    static List<byte[]> nodeChain;

    @TempDir
    Path dir;

    @BeforeAll
    static void keys() throws Exception {
        net = new TestNetwork();
        NodeKeys keys = NodeKeys.generate();
        nodeKey = keys.falcon();
        nodeChain = net.nodeChain("node-1", keys, TestNetwork.T0.minusSeconds(60), TestNetwork.T0.plus(Duration.ofDays(30)));
    }

    private static List<StateMachine.Rejection> commit(Ledger ledger, Instant time, Transaction... txs) throws Exception {
        List<StateMachine.Rejection> rejected = ledger.commit(List.of(txs), time, net.admin).rejected();
        rejected.forEach(r -> net.rejected(r.tx()));
        return rejected;
    }

    private static RejectReason only(List<StateMachine.Rejection> rejected) {
        assertThat(rejected).hasSize(1);
        return rejected.get(0).reason();
    }

    @Test
    void nodeLifecycleWithLocationProofs() throws Exception {
        TestNetwork n = net;
        try (Ledger ledger = Ledger.open(dir.resolve("l"))) {
            n.genesis(ledger);
            SigningKey alice = TestNetwork.newKey();
            Instant t1 = TestNetwork.T0.plusSeconds(10);
            assertThat(commit(ledger, t1, n.tx(n.admin, n.register(alice)),
                    n.tx(alice, TestNetwork.create(TestNetwork.assetId(1), 100, AssetPolicy.CREATOR_ONLY)),
                    n.tx(n.admin, new TxBody.NodeRegister(nodeChain)))).isEmpty();
            assertThat(ledger.state().node("node-1").revoked()).isFalse();

            // A member may not register nodes.
            NodeKeys otherNode = NodeKeys.generate();
            List<byte[]> otherChain = n.nodeChain("node-2", otherNode, TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(1)));
            assertThat(only(commit(ledger, t1, n.tx(alice, new TxBody.NodeRegister(otherChain)))))
                    .isEqualTo(RejectReason.NOT_AUTHORIZED);
            // A certificate from another root is refused.
            List<byte[]> foreign = new TestNetwork().nodeChain("node-3", otherNode, TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(1)));
            assertThat(only(commit(ledger, t1, n.tx(n.admin, new TxBody.NodeRegister(foreign)))))
                    .isEqualTo(RejectReason.BAD_CERTIFICATE);
            // Validity is judged at block time, not wall-clock time: a block two days later sees node-2's cert expired.
            assertThat(only(commit(ledger, TestNetwork.T0.plus(Duration.ofDays(2)),
                    n.tx(n.admin, new TxBody.NodeRegister(otherChain)))))
                    .isEqualTo(RejectReason.BAD_CERTIFICATE);

            Instant t2 = TestNetwork.T0.plus(Duration.ofDays(3));
            var proof = new TxBody.LocationProof(TestNetwork.assetId(1), 1, "node-1", List.of(Sha3.hash(new byte[] {1})));
            assertThat(commit(ledger, t2, n.tx(nodeKey, proof))).isEmpty();
            assertThat(ledger.state().hasLocation(TestNetwork.assetId(1), 1, "node-1")).isTrue();
            assertThat(only(commit(ledger, t2, n.tx(nodeKey, proof)))).isEqualTo(RejectReason.ALREADY_EXISTS);
            // A node may not sign anything but location proofs, nor prove for another node.
            assertThat(only(commit(ledger, t2, n.tx(nodeKey, TestNetwork.create(TestNetwork.assetId(5), 1, AssetPolicy.ANY_HOLDER)))))
                    .isEqualTo(RejectReason.NOT_AUTHORIZED);
            assertThat(only(commit(ledger, t2, n.tx(alice, proof)))).isEqualTo(RejectReason.NOT_AUTHORIZED);

            assertThat(commit(ledger, t2, n.tx(n.admin, new TxBody.NodeRevoke("node-1", "decommissioned")),
                    n.tx(n.admin, new TxBody.KeyEpoch(1, "ml-kem-768.v1", new byte[] {1}, List.of())),
                    n.tx(n.admin, new TxBody.CrossNetworkAnchor("partner", 10, Sha3.hash(new byte[] {2}), Sha3.hash(new byte[] {3}))))).isEmpty();
            var later = new TxBody.LocationProof(TestNetwork.assetId(1), 1, "node-1", List.of(Sha3.hash(new byte[] {2})));
            assertThat(only(commit(ledger, t2, n.tx(nodeKey, later)))).isEqualTo(RejectReason.NODE_REVOKED);
            assertThat(only(commit(ledger, t2, n.tx(n.admin,
                    new TxBody.KeyEpoch(2, "ml-kem-768.v1", new byte[] {1}, List.of(new TxBody.NodeShare("node-1", new byte[] {1})))))))
                    .isEqualTo(RejectReason.NODE_REVOKED);
            assertThat(only(commit(ledger, t2, n.tx(n.admin, new TxBody.CrossNetworkAnchor("partner", 10, Sha3.hash(new byte[] {2}),
                    Sha3.hash(new byte[] {3})))))).isEqualTo(RejectReason.STALE_VERSION);
            // The revoked certificate cannot be registered again.
            assertThat(only(commit(ledger, t2, n.tx(n.admin, new TxBody.NodeRegister(nodeChain))))).isEqualTo(RejectReason.NODE_REVOKED);
            assertThat(new ChainVerifier(ledger.store(), false).verify().ok()).isTrue();
        }
    }

    /**
     * Repair brings a node copies of a version it proved before: a second proof listing them is
     * accepted, the same list twice is not, and the chain still verifies (the first proof's state
     * keeps its old layout, so chains from before replay to the same state root).
     */
    @Test
    void aNodeProvesAVersionAgainWithTheCopiesRepairBroughtIt() throws Exception {
        TestNetwork n = net;
        NodeKeys repairKeys = NodeKeys.generate(); // its own key: the nonces of nodeKey belong to the other test
        SigningKey nodeKey = repairKeys.falcon();
        List<byte[]> nodeChain = n.nodeChain("node-1", repairKeys, TestNetwork.T0.minusSeconds(60), TestNetwork.T0.plus(Duration.ofDays(30)));
        try (Ledger ledger = Ledger.open(dir.resolve("l"))) {
            n.genesis(ledger);
            SigningKey alice = TestNetwork.newKey();
            Instant t1 = TestNetwork.T0.plusSeconds(10);
            assertThat(commit(ledger, t1, n.tx(n.admin, n.register(alice)),
                    n.tx(alice, TestNetwork.create(TestNetwork.assetId(1), 100, AssetPolicy.CREATOR_ONLY)),
                    n.tx(n.admin, new TxBody.NodeRegister(nodeChain)))).isEmpty();
            var first = new TxBody.LocationProof(TestNetwork.assetId(1), 1, "node-1", List.of(Sha3.hash(new byte[] {1})));
            assertThat(commit(ledger, t1, n.tx(nodeKey, first))).isEmpty();
            assertThat(ledger.state().location(TestNetwork.assetId(1), 1, "node-1").proofs()).isEqualTo(1);
            var repaired = new TxBody.LocationProof(TestNetwork.assetId(1), 1, "node-1", List.of(Sha3.hash(new byte[] {2})));
            assertThat(commit(ledger, t1, n.tx(nodeKey, repaired))).isEmpty();
            var held = ledger.state().location(TestNetwork.assetId(1), 1, "node-1");
            assertThat(held.proofs()).isEqualTo(2);
            assertThat(held.lastListHash()).isEqualTo(io.stoq.ledger.state.LedgerState.shardListHash(repaired.shardHashes()));
            assertThat(only(commit(ledger, t1, n.tx(nodeKey, repaired)))).isEqualTo(RejectReason.ALREADY_EXISTS);
            assertThat(new ChainVerifier(ledger.store(), false).verify().ok()).isTrue();
        }
    }
}
