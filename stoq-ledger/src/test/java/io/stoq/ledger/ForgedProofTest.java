package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.proof.ProofBuilder;
import io.stoq.ledger.proof.ProofBundle;
import io.stoq.ledger.proof.ProofVerifier;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bundles forged the way a malicious certified node would ({@link Forger}). Each must be refused
 * with a reason naming what is wrong. Before this change any certified node could do this,
 * whatever its role, revoked or not, and for any network sharing its keys.
 */
class ForgedProofTest {
    static final Instant NOW = TestNetwork.T0.plus(Duration.ofHours(3));
    static final Instant BLOCK_TIME = TestNetwork.T0.plusSeconds(60);
    static Forger f;
    static TestNetwork net;

    @TempDir
    Path dir;

    @BeforeAll
    static void network() throws Exception {
        f = new Forger();
        net = f.net;
    }

    /** A forgery on testnet by {@code key} with {@code chain}, dated {@code time}, carrying {@code crls}. */
    static ProofBundle forged(SigningKey key, List<byte[]> chain, Instant time, X509CRL... crls) throws Exception {
        return f.forge(TestNetwork.NAME, key, chain, Forger.fakeCreate(f.testnet()), time, List.of(crls));
    }

    @Test
    void theForgeryMachineryWorks() throws Exception {
        // Sanity: the same forgery by a certified, unrevoked voter passes. Nothing offline can tell
        // a lying voter from an honest one; revocation is the remedy (see the tests below).
        ProofVerifier.Verified v = ProofVerifier.verify(forged(f.voter.falcon(), f.voterChain, BLOCK_TIME, f.clean), net.root, NOW,
                List.of());
        assertThat(v.proposerNode()).isEqualTo("voter-1");
    }

    @Test
    void aNonVoterCannotVouchForABlock() throws Exception {
        ProofTest.assertInvalid(forged(f.storage.falcon(), f.storageChain, BLOCK_TIME, f.clean), net.root, List.of(),
                "proposer node storage-1 is not a voter (its certificate grants gateway,storage): only voters propose blocks");
    }

    @Test
    void aRevokedNodeCannotVouchForABlock() throws Exception {
        Instant revokedAt = TestNetwork.T0.plus(Duration.ofHours(1));
        X509CRL listing = net.crl(revokedAt, revokedAt.plus(Duration.ofDays(7)), Map.of(TestNetwork.serialOf(f.rogueChain), revokedAt));
        // Revoked before the block it forges.
        ProofTest.assertInvalid(forged(f.rogue.falcon(), f.rogueChain, revokedAt.plus(Duration.ofHours(1)), listing), net.root, List.of(),
                "proposer node rogue-1's certificate (serial " + TestNetwork.serialOf(f.rogueChain).toString(16) + ") is revoked since "
                        + revokedAt);
        // Backdating the header to before its revocation does not help: revocation is judged now.
        ProofTest.assertInvalid(forged(f.rogue.falcon(), f.rogueChain, BLOCK_TIME, listing), net.root, List.of(), "is revoked since");
        // Nor does packing the CRL from before the revocation, once the verifier has the current one ...
        ProofBundle oldEvidence = forged(f.rogue.falcon(), f.rogueChain, BLOCK_TIME, f.clean);
        ProofTest.assertInvalid(oldEvidence, net.root, List.of(listing), "is revoked since");
        // ... or once that old CRL is past its next update. Until then (the CRL's validity, 7 days by
        // default) a verifier with only the bundle's CRL cannot know: that is the documented window.
        assertThat(ProofVerifier.verify(oldEvidence, net.root, NOW, List.of()).proposerNode()).isEqualTo("rogue-1");
        assertThatThrownBy(() -> ProofVerifier.verify(oldEvidence, net.root, TestNetwork.T0.plus(Duration.ofDays(8)), List.of()))
                .hasMessageContaining("no CRL is current");
    }

    @Test
    void aSignatureForAnotherNetworkDoesNotVerify() throws Exception {
        // Network "beta" shares the root, the voter and the accounts with "testnet".
        NetworkId beta = NetworkId.of("beta", net.root.getEncoded());
        // A bundle made on testnet, relabelled as beta's.
        ProofBundle onTestnet = forged(f.voter.falcon(), f.voterChain, BLOCK_TIME, f.clean);
        ProofBundle relabelled = new ProofBundle("beta", onTestnet.tx(), onTestnet.inclusion(), onTestnet.header(),
                onTestnet.proposerChain(), onTestnet.signerChain(), onTestnet.crls());
        ProofTest.assertInvalid(relabelled, net.root, List.of(),
                "block 41's header signature does not verify for network 'beta' under this root (signed for another network, or altered)");
        // A beta voter's header over a tx signed for testnet: the tx does not verify on beta.
        ProofBundle replayed = f.forge("beta", f.voter.falcon(), f.voterChain, Forger.fakeCreate(f.testnet()), BLOCK_TIME,
                List.of(f.clean));
        ProofTest.assertInvalid(replayed, net.root, List.of(), "the tx signature does not verify for network 'beta'");
        ProofBundle honestBeta = f.forge("beta", f.voter.falcon(), f.voterChain, Forger.fakeCreate(beta), BLOCK_TIME, List.of(f.clean));
        assertThat(ProofVerifier.verify(honestBeta, net.root, NOW, List.of()).networkId()).isEqualTo(beta);
    }

    @Test
    void theHeaderTimeMustLieWithinTheCertificate() throws Exception {
        ProofTest.assertInvalid(forged(f.voter.falcon(), f.voterChain, TestNetwork.T0.plus(Duration.ofDays(31)), f.clean), net.root,
                List.of(), "proposer certificate chain rejected at the block's time");
        ProofTest.assertInvalid(forged(f.voter.falcon(), f.voterChain, TestNetwork.T0.minusSeconds(60), f.clean), net.root, List.of(),
                "is not valid before");
    }

    @Test
    void anotherNodesCertificateDoesNotCoverTheSigner() throws Exception {
        ProofTest.assertInvalid(forged(f.rogue.falcon(), f.voterChain, BLOCK_TIME, f.clean), net.root, List.of(),
                "proposer certificate is for another key than the one that signed block 41");
    }

    @Test
    void aNodeSignerIsCheckedForRevocationToo() throws Exception {
        // A real ledger: voter-1 proposes a block holding rogue-1's location proof; then the CA revokes rogue-1.
        try (Ledger ledger = Ledger.open(dir)) {
            net.genesis(ledger);
            SigningKey alice = TestNetwork.newKey();
            Instant t1 = TestNetwork.T0.plusSeconds(5);
            assertThat(ledger.commit(List.of(net.tx(net.admin, new TxBody.NodeRegister(f.voterChain)),
                    net.tx(net.admin, new TxBody.NodeRegister(f.rogueChain)), net.tx(net.admin, net.register(alice))), t1, net.admin)
                    .rejected()).isEmpty();
            Transaction location = net.tx(f.rogue.falcon(),
                    new TxBody.LocationProof(TestNetwork.assetId(3), 1, "rogue-1", List.of(Sha3.hash(new byte[] {3}))));
            assertThat(ledger.commit(List.of(net.tx(alice, TestNetwork.create(TestNetwork.assetId(3), 1, AssetPolicy.CREATOR_ONLY)),
                    location), t1.plusSeconds(1), f.voter.falcon()).rejected()).isEmpty();
            ProofBundle bundle = ProofBuilder.build(ledger.store(), location.id(), List.of(f.clean.getEncoded()));
            assertThat(ProofVerifier.verify(bundle, net.root, NOW, List.of()).signerNode()).isEqualTo("rogue-1");
            X509CRL listing = net.crl(NOW.minusSeconds(60), NOW.plus(Duration.ofDays(7)),
                    Map.of(TestNetwork.serialOf(f.rogueChain), NOW.minusSeconds(60)));
            ProofTest.assertInvalid(bundle, net.root, List.of(listing), "signer node rogue-1's certificate");
        }
    }
}
