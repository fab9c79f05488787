package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.merkle.MerkleHash;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.block.ChainFormat;
import io.stoq.ledger.proof.ProofBuilder;
import io.stoq.ledger.proof.ProofVerifier;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.verify.ChainVerifier;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A chain keeps the format its block 0 chose: one founded in V2 (as every chain before V3 was)
 * goes on in V2 after a reopen, and verifies and proves as before; a new chain is V3; a block in
 * another format than its chain's is refused.
 */
class ChainFormatTest {
    static final Instant NOW = TestNetwork.T0.plus(Duration.ofHours(1));

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ChainFormat.class)
    void aChainKeepsItsFoundingFormatAcrossReopensAndVerifiesAndProvesInIt(ChainFormat format) throws Exception {
        TestNetwork net = new TestNetwork();
        NodeKeys node = NodeKeys.generate();
        List<byte[]> chain = net.nodeChain("node-1", node, TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(30)));
        X509CRL crl = net.crl(TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(7)), Map.of());
        SigningKey alice = TestNetwork.newKey();
        Instant t1 = TestNetwork.T0.plusSeconds(5);
        try (Ledger ledger = Ledger.open(dir)) {
            net.genesis(ledger, format);
            assertThat(ledger.commit(List.of(net.tx(net.admin, new TxBody.NodeRegister(chain)), net.tx(net.admin, net.register(alice))), t1,
                    net.admin).rejected()).isEmpty();
        }
        try (Ledger ledger = Ledger.open(dir)) { // reopened: the chain's format decides, not the one new chains get
            Transaction create = net.tx(alice, TestNetwork.create(TestNetwork.assetId(1), 100, AssetPolicy.ANY_HOLDER));
            Ledger.CommitResult r = ledger.commit(List.of(create), t1.plusSeconds(1), node.falcon());
            assertThat(r.rejected()).isEmpty();
            for (long h = 0; h <= ledger.height(); h++) {
                BlockHeader header = ledger.store().header(h);
                assertThat(header.format()).as("block %d", h).isEqualTo(format);
                assertThat(header.encode()[0]).isEqualTo((byte) format.headerVersion());
            }
            // A one-tx tree's root is its leaf: over the whole encoding in V2, over the tx id in V3.
            assertThat(r.header().txRoot()).isEqualTo(MerkleHash.leaf(format == ChainFormat.V2 ? create.encoded() : create.id().toBytes()));
            assertThat(new ChainVerifier(ledger.store(), false).verify().ok()).isTrue();
            ProofVerifier.Verified proof = ProofVerifier.verify(ProofBuilder.build(ledger.store(), create.id(), List.of(crl.getEncoded())),
                    net.root, NOW, List.of());
            assertThat(proof.tx()).isEqualTo(create);
            assertThat(proof.header().format()).isEqualTo(format);
        }
    }

    @Test
    void newChainsAreCurrentAndABlockInAnotherFormatIsRefused() throws Exception {
        TestNetwork net = new TestNetwork();
        try (Ledger current = Ledger.open(dir.resolve("current")); Ledger old = Ledger.open(dir.resolve("old"))) {
            net.genesis(current);
            assertThat(current.head().format()).isEqualTo(ChainFormat.CURRENT).isEqualTo(ChainFormat.V3);

            TestNetwork oldNet = new TestNetwork();
            oldNet.genesis(old, ChainFormat.V2);
            Ledger.Proposal proposal = old.build(List.of(oldNet.tx(oldNet.admin, oldNet.register(TestNetwork.newKey()))),
                    TestNetwork.T0.plusSeconds(1), oldNet.admin);
            BlockHeader h = proposal.header();
            BlockHeader v3 = BlockHeader.sign(oldNet.network, ChainFormat.V3, h.height(), h.previousHash(),
                    Block.txRoot(ChainFormat.V3, proposal.block().txs()), h.stateRoot(), h.time(), h.txCount(), oldNet.admin);
            assertThatThrownBy(() -> old.append(new Block(v3, proposal.block().txs()))).isInstanceOfSatisfying(LedgerException.class, e -> {
                assertThat(e.code()).isEqualTo(LedgerErrorCode.INVALID_BLOCK);
                assertThat(e.getMessage()).contains("block 1: header version 3 in a chain of version 2");
            });
            assertThat(old.height()).isZero();
            old.append(proposal.block()); // the same block in its chain's format is fine
            assertThat(old.height()).isEqualTo(1);
        }
    }

    @Test
    void anUnknownHeaderVersionIsMalformedAndSaysWhatIsRead() throws Exception {
        TestNetwork net = new TestNetwork();
        try (Ledger ledger = Ledger.open(dir)) {
            net.genesis(ledger);
            byte[] encoded = ledger.head().encode();
            encoded[0] = 4;
            assertThatThrownBy(() -> BlockHeader.decode(encoded)).isInstanceOfSatisfying(LedgerException.class, e -> {
                assertThat(e.code()).isEqualTo(LedgerErrorCode.MALFORMED);
                assertThat(e.getMessage()).contains("unsupported header version 4").contains("reads versions 2 and 3");
            });
        }
    }
}
