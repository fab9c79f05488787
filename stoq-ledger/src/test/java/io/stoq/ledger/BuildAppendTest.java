package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.verify.ChainVerifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Building a block apart from appending it: a block one ledger builds (also over its own
 * unwritten proposals) is accepted by another ledger at the same head with equal heads and state
 * roots; a tampered block is refused and changes nothing; a proposal built on a head that moved
 * on is refused by both kinds of append.
 */
class BuildAppendTest {
    @TempDir
    Path dir;

    TestNetwork net;
    SigningKey alice;
    SigningKey bob;

    @BeforeEach
    void keys() throws Exception {
        net = new TestNetwork();
        alice = TestNetwork.newKey();
        bob = TestNetwork.newKey();
    }

    /** Two ledgers with the same genesis block (made by {@code a}, appended by {@code b}). */
    private Ledger[] twoLedgers() throws Exception {
        Ledger a = Ledger.open(dir.resolve("a"));
        Ledger b = Ledger.open(dir.resolve("b"));
        net.genesis(a);
        b.append(a.store().block(0));
        return new Ledger[] {a, b};
    }

    @Test
    void aBlockBuiltByOneLedgerIsAppendedByAnother() throws Exception {
        Ledger[] l = twoLedgers();
        try (Ledger a = l[0]; Ledger b = l[1]) {
            Ledger.Proposal p1 = a.build(List.of(net.tx(net.admin, net.register(alice)), net.tx(net.admin, net.register(bob))),
                    TestNetwork.T0.plusSeconds(1), net.admin);
            // The second block is built over the first before either is written, and reads alice's account through it.
            Ledger.Proposal p2 = a.build(List.of(net.tx(alice, TestNetwork.create(TestNetwork.assetId(1), 100, AssetPolicy.CREATOR_ONLY))),
                    TestNetwork.T0.plusSeconds(2), net.admin, p1);
            assertThat(p1.rejected()).isEmpty();
            assertThat(p2.rejected()).isEmpty();
            assertThat(a.height()).as("building writes nothing").isZero();
            assertThat(a.store().head().height()).isZero();

            a.append(p1);
            a.append(p2);
            b.append(p1.block());
            b.append(p2.block());

            assertThat(b.height()).isEqualTo(a.height()).isEqualTo(2);
            assertThat(b.head().hash()).isEqualTo(a.head().hash());
            assertThat(b.stateRoot()).isEqualTo(a.stateRoot());
            assertThat(b.state().asset(TestNetwork.assetId(1))).isNotNull();
            assertThat(new ChainVerifier(a.store(), false).verify().ok()).isTrue();
            assertThat(new ChainVerifier(b.store(), false).verify().ok()).isTrue();
        }
    }

    @Test
    void commitWritesWhatBuildThenAppendWouldWrite() throws Exception {
        Ledger[] l = twoLedgers();
        try (Ledger a = l[0]; Ledger b = l[1]) {
            List<Transaction> txs = List.of(net.tx(net.admin, net.register(alice)));
            Ledger.CommitResult committed = a.commit(txs, TestNetwork.T0.plusSeconds(1), net.admin);
            Ledger.Proposal built = b.build(txs, TestNetwork.T0.plusSeconds(1), net.admin);
            // Signatures are randomised, so compare everything the signature covers.
            BlockHeader c = committed.header();
            BlockHeader p = built.header();
            assertThat(List.of(p.height(), p.previousHash(), p.txRoot(), p.stateRoot(), p.time(), p.txCount()))
                    .isEqualTo(List.of(c.height(), c.previousHash(), c.txRoot(), c.stateRoot(), c.time(), c.txCount()));
            b.append(built);
            assertThat(b.stateRoot()).isEqualTo(a.stateRoot());
        }
    }

    @Test
    void tamperedBlocksAreRefusedAndChangeNothing() throws Exception {
        Ledger[] l = twoLedgers();
        try (Ledger a = l[0]; Ledger b = l[1]) {
            Ledger.Proposal p = a.build(List.of(net.tx(net.admin, net.register(alice)), net.tx(net.admin, net.register(bob))),
                    TestNetwork.T0.plusSeconds(1), net.admin);
            Block good = p.block();
            BlockHeader h = good.header();
            Transaction other = net.tx(net.admin, new TxBody.AccountRegister(TestNetwork.newKey().publicKey().getEncoded(),
                    io.stoq.ledger.tx.Role.MEMBER));
            List<UnaryOperator<Block>> tampers = List.of(
                    // a tx swapped for another validly signed one
                    blk -> new Block(h, List.of(blk.txs().get(0), other)),
                    // a tx dropped
                    blk -> new Block(h, List.of(blk.txs().get(0))),
                    // a header field changed under the old signature (state root)
                    blk -> new Block(new BlockHeader(h.format(), h.height(), h.previousHash(), h.txRoot(), Hash256.of(new byte[32]), h.time(),
                            h.txCount(), h.proposerAlgorithm(), h.proposerSpki(), h.signature()), blk.txs()),
                    // the signature flipped
                    blk -> new Block(new BlockHeader(h.format(), h.height(), h.previousHash(), h.txRoot(), h.stateRoot(), h.time(), h.txCount(),
                            h.proposerAlgorithm(), h.proposerSpki(), flip(h.signature())), blk.txs()),
                    // another previous hash
                    blk -> new Block(new BlockHeader(h.format(), h.height(), Hash256.of(new byte[32]), h.txRoot(), h.stateRoot(), h.time(),
                            h.txCount(), h.proposerAlgorithm(), h.proposerSpki(), h.signature()), blk.txs()));
            Hash256 root = b.stateRoot();
            Hash256 headHash = b.head().hash();
            List<String> reasons = new ArrayList<>();
            for (UnaryOperator<Block> tamper : tampers) {
                Block bad = tamper.apply(good);
                assertThatThrownBy(() -> b.append(bad)).isInstanceOfSatisfying(LedgerException.class, e -> {
                    assertThat(e.code()).isEqualTo(LedgerErrorCode.INVALID_BLOCK);
                    reasons.add(e.getMessage());
                });
                assertThat(b.height()).isZero();
                assertThat(b.stateRoot()).isEqualTo(root);
                assertThat(b.head().hash()).isEqualTo(headHash);
                assertThat(b.store().head().height()).isZero();
                assertThat(b.state().account(TestNetwork.id(alice))).isNull();
            }
            assertThat(reasons).anyMatch(r -> r.contains("merkle root")).anyMatch(r -> r.contains("signature"))
                    .anyMatch(r -> r.contains("previous hash"));
            b.append(good);
            assertThat(b.stateRoot()).isEqualTo(p.header().stateRoot());
        }
    }

    @Test
    void aProposalOnAHeadThatMovedOnIsRefusedEverywhere() throws Exception {
        Ledger[] l = twoLedgers();
        try (Ledger a = l[0]; Ledger b = l[1]) {
            // a (a leader about to lose its turn) builds block 1; b's new leader builds another block 1, which wins.
            Ledger.Proposal stale = a.build(List.of(net.tx(net.admin, net.register(alice))), TestNetwork.T0.plusSeconds(1), net.admin);
            Ledger.Proposal staleNext = a.build(List.of(), TestNetwork.T0.plusSeconds(2), net.admin, stale);
            Ledger.Proposal winner = b.build(List.of(net.txWithNonce(net.admin, 2, net.register(bob))), TestNetwork.T0.plusSeconds(1),
                    net.admin);
            b.append(winner);
            a.append(winner.block());

            assertThatThrownBy(() -> b.append(stale.block())).isInstanceOfSatisfying(LedgerException.class,
                    e -> assertThat(e.code()).isEqualTo(LedgerErrorCode.INVALID_BLOCK));
            assertThatThrownBy(() -> a.append(stale)).isInstanceOfSatisfying(LedgerException.class,
                    e -> assertThat(e.code()).isEqualTo(LedgerErrorCode.CONFLICT));
            assertThatThrownBy(() -> a.append(staleNext)).isInstanceOfSatisfying(LedgerException.class,
                    e -> assertThat(e.code()).isEqualTo(LedgerErrorCode.CONFLICT));
            // Building after the lost proposal is refused too: the proposer must start again from the head.
            assertThatThrownBy(() -> a.build(List.of(), TestNetwork.T0.plusSeconds(3), net.admin, staleNext))
                    .isInstanceOfSatisfying(LedgerException.class, e -> assertThat(e.code()).isEqualTo(LedgerErrorCode.CONFLICT));
            assertThat(a.head().hash()).isEqualTo(b.head().hash());
            assertThat(a.stateRoot()).isEqualTo(b.stateRoot());
            assertThat(a.state().account(TestNetwork.id(alice))).isNull();
            // Alice's registration was never committed; built again from the head it is a replay, because
            // the winning block spent the admin's nonce 2 first: one nonce, one tx, whichever block commits first.
            Transaction lost = stale.block().txs().get(0);
            Ledger.Proposal replay = a.build(List.of(lost), TestNetwork.T0.plusSeconds(3), net.admin);
            assertThat(replay.rejected()).singleElement().satisfies(r -> assertThat(r.reason())
                    .isEqualTo(io.stoq.ledger.validate.RejectReason.REPLAY));
            // Signed again with the next nonce, it goes through.
            Ledger.Proposal retry = a.build(List.of(net.txWithNonce(net.admin, 3, net.register(alice))), TestNetwork.T0.plusSeconds(3),
                    net.admin);
            assertThat(retry.rejected()).isEmpty();
            a.append(retry);
            b.append(retry.block());
            assertThat(b.stateRoot()).isEqualTo(a.stateRoot());
        }
    }

    private static byte[] flip(byte[] bytes) {
        byte[] copy = bytes.clone();
        copy[copy.length / 2] ^= 1;
        return copy;
    }
}
