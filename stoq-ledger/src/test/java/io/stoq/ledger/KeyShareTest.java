package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.store.Indexes;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.verify.ChainVerifier;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KEY_SHARE (tx 17): epochs sealed by a member node to a node registered after they were made.
 * Each rule of docs/ledger.md is broken once and refused with its reason; the valid share
 * commits, is state (a second one for the same epoch and certificate is ALREADY_EXISTS, which is
 * what makes two members sharing at once harmless), is indexed beside the epochs, and the chain
 * verifies.
 */
class KeyShareTest {
    @TempDir
    Path dir;

    private static RejectReason only(TestNetwork net, Ledger ledger, Instant time, Transaction tx) throws Exception {
        List<StateMachine.Rejection> rejected = ledger.commit(List.of(tx), time, net.admin).rejected();
        rejected.forEach(r -> net.rejected(r.tx()));
        assertThat(rejected).hasSize(1);
        return rejected.get(0).reason();
    }

    private static TxBody.KeyShare share(List<byte[]> chain, NodeKeys keys, long... epochs) {
        List<TxBody.EpochShareOf> shares = new java.util.ArrayList<>();
        for (long e : epochs) {
            shares.add(new TxBody.EpochShareOf(e, new byte[] {(byte) e, 1, 2}));
        }
        return new TxBody.KeyShare(chain, keys.kem().getPublic().getEncoded(), shares);
    }

    @Test
    void onlyAMemberSharesOnlyExistingEpochsOnlyToTheKeyTheRegisteredCertificateBindsAndOnlyOnce() throws Exception {
        TestNetwork net = new TestNetwork();
        Instant from = TestNetwork.T0.minusSeconds(60);
        Instant until = TestNetwork.T0.plus(Duration.ofDays(30));
        NodeKeys member = NodeKeys.generate();
        NodeKeys joiner = NodeKeys.generate();
        NodeKeys stranger = NodeKeys.generate();
        List<byte[]> memberChain = net.nodeChain("node-1", member, from, until);
        List<byte[]> joinerChain = net.nodeChain("node-4", joiner, from, until);
        List<byte[]> joinerOtherCert = net.nodeChain("node-4", joiner, from, until); // same node, another serial
        List<byte[]> strangerChain = net.nodeChain("node-9", stranger, from, until);
        SigningKey alice = TestNetwork.newKey();
        Instant t = TestNetwork.T0.plusSeconds(10);
        try (Ledger ledger = Ledger.open(dir.resolve("l"))) {
            net.genesis(ledger);
            assertThat(ledger.commit(List.of(net.tx(net.admin, net.register(alice)), net.tx(net.admin, new TxBody.NodeRegister(memberChain)),
                    net.tx(net.admin, new TxBody.KeyEpoch(1, "ml-kem-768.v1", new byte[] {1},
                            List.of(new TxBody.NodeShare("node-1", new byte[] {1})))),
                    net.tx(net.admin, new TxBody.KeyEpoch(2, "ml-kem-768.v1", new byte[] {2},
                            List.of(new TxBody.NodeShare("node-1", new byte[] {2})))),
                    net.tx(net.admin, new TxBody.NodeRegister(joinerChain))), t, net.admin).rejected()).isEmpty();

            // Who may sign: a member node, not an account (the admin included), not the recipient itself.
            assertThat(only(net, ledger, t, net.tx(alice, share(joinerChain, joiner, 1, 2)))).isEqualTo(RejectReason.NOT_AUTHORIZED);
            assertThat(only(net, ledger, t, net.tx(net.admin, share(joinerChain, joiner, 1, 2)))).isEqualTo(RejectReason.NOT_AUTHORIZED);
            assertThat(only(net, ledger, t, net.tx(joiner.falcon(), share(joinerChain, joiner, 1, 2))))
                    .isEqualTo(RejectReason.NOT_AUTHORIZED);
            // To whom: a registered node, under the certificate it is registered with, to the ML-KEM key that certificate binds.
            assertThat(only(net, ledger, t, net.tx(member.falcon(), share(strangerChain, stranger, 1))))
                    .isEqualTo(RejectReason.UNKNOWN_NODE);
            assertThat(only(net, ledger, t, net.tx(member.falcon(), share(joinerOtherCert, joiner, 1))))
                    .isEqualTo(RejectReason.BAD_CERTIFICATE);
            assertThat(only(net, ledger, t, net.tx(member.falcon(), share(joinerChain, stranger, 1))))
                    .isEqualTo(RejectReason.BAD_CERTIFICATE);
            // What: existing epochs, ascending, at least one.
            assertThat(only(net, ledger, t, net.tx(member.falcon(), share(joinerChain, joiner, 1, 3)))).isEqualTo(RejectReason.STALE_VERSION);
            assertThat(only(net, ledger, t, net.tx(member.falcon(), share(joinerChain, joiner, 2, 1)))).isEqualTo(RejectReason.MALFORMED);
            assertThat(only(net, ledger, t, net.tx(member.falcon(), share(joinerChain, joiner)))).isEqualTo(RejectReason.MALFORMED);

            Transaction good = net.tx(member.falcon(), share(joinerChain, joiner, 1, 2));
            assertThat(ledger.commit(List.of(good), t, net.admin).rejected()).isEmpty();
            assertThat(ledger.state().hasEpochShare(1, "node-4", new java.math.BigInteger(1, new byte[] {0}).toByteArray())).isFalse();
            byte[] serial = ledger.state().node("node-4").serial();
            assertThat(ledger.state().hasEpochShare(1, "node-4", serial)).isTrue();
            assertThat(ledger.state().hasEpochShare(2, "node-4", serial)).isTrue();
            List<Hash256> indexed = ledger.store().indexed(Indexes.KEY_EPOCHS, Indexes.KEY_EPOCH_SUBJECT);
            assertThat(indexed).hasSize(3).last().isEqualTo(good.id());

            // Once: a second member's (or a retry's) share of an epoch the node holds is ALREADY_EXISTS.
            assertThat(only(net, ledger, t, net.tx(member.falcon(), share(joinerChain, joiner, 2)))).isEqualTo(RejectReason.ALREADY_EXISTS);

            // A revoked node receives no share, not even of an epoch it lacks.
            assertThat(ledger.commit(List.of(net.tx(net.admin, new TxBody.KeyEpoch(3, "ml-kem-768.v1", new byte[] {3},
                    List.of(new TxBody.NodeShare("node-1", new byte[] {3})))), net.tx(net.admin, new TxBody.NodeRevoke("node-4", "gone"))),
                    t, net.admin).rejected()).isEmpty();
            assertThat(only(net, ledger, t, net.tx(member.falcon(), share(joinerChain, joiner, 3)))).isEqualTo(RejectReason.NODE_REVOKED);
            // A revoked member cannot share either.
            assertThat(ledger.commit(List.of(net.tx(net.admin, new TxBody.NodeRevoke("node-1", "gone"))), t, net.admin).rejected()).isEmpty();
            assertThat(only(net, ledger, t, net.tx(member.falcon(), share(joinerChain, joiner, 3)))).isEqualTo(RejectReason.NODE_REVOKED);

            assertThat(new ChainVerifier(ledger.store(), false).verify().ok()).isTrue();
        }
    }
}
