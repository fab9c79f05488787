package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.merkle.InclusionProof;
import io.stoq.crypto.merkle.MerkleHash;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.block.BlockHeader;
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
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bundles forged the way a malicious certified node would: it needs no ledger, only its own key
 * and certificate, a tx of its choosing (here an ASSET_CREATE claiming someone's asset id, signed
 * by a throwaway key) in a one-tx "block" whose header it signs. Each must be refused with a
 * reason naming what is wrong. Before this change any certified node could do this, whatever its
 * role, revoked or not, and for any network sharing its keys.
 */
class ForgedProofTest {
    static final Instant NOW = TestNetwork.T0.plus(Duration.ofHours(3));
    static TestNetwork net;
    static NodeKeys voter;
    static NodeKeys storage;
    static NodeKeys rogue;
    static List<byte[]> voterChain;
    static List<byte[]> storageChain;
    static List<byte[]> rogueChain;
    static X509CRL clean;

    @TempDir
    Path dir;

    @BeforeAll
    static void network() throws Exception {
        net = new TestNetwork();
        voter = NodeKeys.generate();
        storage = NodeKeys.generate();
        rogue = NodeKeys.generate();
        Instant until = TestNetwork.T0.plus(Duration.ofDays(30));
        voterChain = net.nodeChain("voter-1", voter, TestNetwork.T0, until);
        storageChain = net.nodeChain("storage-1", storage, TestNetwork.T0, until, Set.of(NodeRole.STORAGE, NodeRole.GATEWAY));
        rogueChain = net.nodeChain("rogue-1", rogue, TestNetwork.T0, until);
        clean = net.crl(TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(7)), Map.of());
    }

    /** A fake asset version, signed by a key the forger made up, for network {@code network}. */
    static Transaction fakeCreate(NetworkId network) throws Exception {
        Hash256 asset = TestNetwork.assetId(77);
        return Transaction.sign(network, TestNetwork.newKey(), 1,
                new TxBody.AssetCreate(asset, "someone else's photo", Sha3.hash(new byte[] {6, 6, 6}), new byte[0], 1, AssetPolicy.CREATOR_ONLY));
    }

    /** A one-tx block header over {@code tx}, signed by {@code proposer} for {@code network}, and the bundle around it. */
    static ProofBundle forge(String network, SigningKey proposer, List<byte[]> chain, Transaction tx, Instant time, List<X509CRL> crls)
            throws Exception {
        NetworkId id = NetworkId.of(network, net.root.getEncoded());
        BlockHeader header = BlockHeader.sign(id, 41, Sha3.hash(new byte[] {1}), MerkleHash.leaf(tx.encoded()), Sha3.hash(new byte[] {2}),
                time, 1, proposer);
        List<byte[]> crlDer = new java.util.ArrayList<>();
        for (X509CRL crl : crls) {
            crlDer.add(crl.getEncoded());
        }
        return new ProofBundle(network, tx.encoded(), new InclusionProof(0, 1, List.of()), header.encode(), chain, List.of(), crlDer);
    }

    static NetworkId testnet() throws Exception {
        return NetworkId.of(TestNetwork.NAME, net.root.getEncoded());
    }

    @Test
    void theForgeryMachineryWorks() throws Exception {
        // Sanity: the same forgery by a certified, unrevoked voter passes. Nothing offline can tell
        // a lying voter from an honest one; revocation is the remedy (see the tests below).
        ProofVerifier.Verified v = ProofVerifier.verify(forge(TestNetwork.NAME, voter.falcon(), voterChain, fakeCreate(testnet()),
                TestNetwork.T0.plusSeconds(60), List.of(clean)), net.root, NOW, List.of());
        assertThat(v.proposerNode()).isEqualTo("voter-1");
    }

    @Test
    void aNonVoterCannotVouchForABlock() throws Exception {
        ProofBundle forged = forge(TestNetwork.NAME, storage.falcon(), storageChain, fakeCreate(testnet()), TestNetwork.T0.plusSeconds(60),
                List.of(clean));
        ProofTest.assertInvalid(forged, net.root, List.of(),
                "proposer node storage-1 is not a voter (its certificate grants gateway,storage): only voters propose blocks");
    }

    @Test
    void aRevokedNodeCannotVouchForABlock() throws Exception {
        Instant revokedAt = TestNetwork.T0.plus(Duration.ofHours(1));
        X509CRL listing = net.crl(revokedAt, revokedAt.plus(Duration.ofDays(7)), Map.of(TestNetwork.serialOf(rogueChain), revokedAt));
        // Revoked before the block it forges.
        ProofBundle after = forge(TestNetwork.NAME, rogue.falcon(), rogueChain, fakeCreate(testnet()), revokedAt.plus(Duration.ofHours(1)),
                List.of(listing));
        ProofTest.assertInvalid(after, net.root, List.of(), "proposer node rogue-1's certificate (serial "
                + TestNetwork.serialOf(rogueChain).toString(16) + ") is revoked since " + revokedAt);
        // Backdating the header to before its revocation does not help: revocation is judged now.
        ProofBundle backdated = forge(TestNetwork.NAME, rogue.falcon(), rogueChain, fakeCreate(testnet()), TestNetwork.T0.plusSeconds(60),
                List.of(listing));
        ProofTest.assertInvalid(backdated, net.root, List.of(), "is revoked since");
        // Nor does packing the CRL from before the revocation, once the verifier has the current one ...
        ProofBundle oldEvidence = forge(TestNetwork.NAME, rogue.falcon(), rogueChain, fakeCreate(testnet()), TestNetwork.T0.plusSeconds(60),
                List.of(clean));
        ProofTest.assertInvalid(oldEvidence, net.root, List.of(listing), "is revoked since");
        // ... or once that old CRL is past its next update. Until then (the CRL's validity, 7 days by
        // default) a verifier with only the bundle's CRL cannot know: that is the documented window.
        assertThat(ProofVerifier.verify(oldEvidence, net.root, NOW, List.of()).proposerNode()).isEqualTo("rogue-1");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> ProofVerifier.verify(oldEvidence, net.root, TestNetwork.T0.plus(Duration.ofDays(8)), List.of()))
                .hasMessageContaining("no CRL is current");
    }

    @Test
    void aSignatureForAnotherNetworkDoesNotVerify() throws Exception {
        // Network "beta" shares the root, the voter and the accounts with "testnet".
        NetworkId beta = NetworkId.of("beta", net.root.getEncoded());
        // A bundle made on testnet, relabelled as beta's.
        ProofBundle onTestnet = forge(TestNetwork.NAME, voter.falcon(), voterChain, fakeCreate(testnet()), TestNetwork.T0.plusSeconds(60),
                List.of(clean));
        ProofBundle relabelled = new ProofBundle("beta", onTestnet.tx(), onTestnet.inclusion(), onTestnet.header(),
                onTestnet.proposerChain(), onTestnet.signerChain(), onTestnet.crls());
        ProofTest.assertInvalid(relabelled, net.root, List.of(),
                "block 41's header signature does not verify for network 'beta' under this root (signed for another network, or altered)");
        // A beta voter's header over a tx signed for testnet: the tx does not verify on beta.
        ProofBundle replayed = forge("beta", voter.falcon(), voterChain, fakeCreate(testnet()), TestNetwork.T0.plusSeconds(60), List.of(clean));
        ProofTest.assertInvalid(replayed, net.root, List.of(), "the tx signature does not verify for network 'beta'");
        assertThat(ProofVerifier.verify(forge("beta", voter.falcon(), voterChain, fakeCreate(beta), TestNetwork.T0.plusSeconds(60),
                List.of(clean)), net.root, NOW, List.of()).networkId()).isEqualTo(beta);
    }

    @Test
    void theHeaderTimeMustLieWithinTheCertificate() throws Exception {
        ProofBundle late = forge(TestNetwork.NAME, voter.falcon(), voterChain, fakeCreate(testnet()), TestNetwork.T0.plus(Duration.ofDays(31)),
                List.of(clean));
        ProofTest.assertInvalid(late, net.root, List.of(), "proposer certificate chain rejected at the block's time");
        ProofBundle early = forge(TestNetwork.NAME, voter.falcon(), voterChain, fakeCreate(testnet()), TestNetwork.T0.minusSeconds(60),
                List.of(clean));
        ProofTest.assertInvalid(early, net.root, List.of(), "is not valid before");
    }

    @Test
    void anotherNodesCertificateDoesNotCoverTheSigner() throws Exception {
        ProofBundle swapped = forge(TestNetwork.NAME, rogue.falcon(), voterChain, fakeCreate(testnet()), TestNetwork.T0.plusSeconds(60),
                List.of(clean));
        ProofTest.assertInvalid(swapped, net.root, List.of(), "proposer certificate is for another key than the one that signed block 41");
    }

    @Test
    void aNodeSignerIsCheckedForRevocationToo() throws Exception {
        // A real ledger: voter-1 proposes a block holding rogue-1's location proof; then the CA revokes rogue-1.
        try (Ledger ledger = Ledger.open(dir)) {
            net.genesis(ledger);
            SigningKey alice = TestNetwork.newKey();
            Instant t1 = TestNetwork.T0.plusSeconds(5);
            assertThat(ledger.commit(List.of(net.tx(net.admin, new TxBody.NodeRegister(voterChain)),
                    net.tx(net.admin, new TxBody.NodeRegister(rogueChain)), net.tx(net.admin, net.register(alice))), t1, net.admin)
                    .rejected()).isEmpty();
            Transaction location = net.tx(rogue.falcon(),
                    new TxBody.LocationProof(TestNetwork.assetId(3), 1, "rogue-1", List.of(Sha3.hash(new byte[] {3}))));
            assertThat(ledger.commit(List.of(net.tx(alice, TestNetwork.create(TestNetwork.assetId(3), 1, AssetPolicy.CREATOR_ONLY)),
                    location), t1.plusSeconds(1), voter.falcon()).rejected()).isEmpty();
            ProofBundle bundle = ProofBuilder.build(ledger.store(), location.id(), List.of(clean.getEncoded()));
            assertThat(ProofVerifier.verify(bundle, net.root, NOW, List.of()).signerNode()).isEqualTo("rogue-1");
            X509CRL listing = net.crl(NOW.minusSeconds(60), NOW.plus(Duration.ofDays(7)),
                    Map.of(TestNetwork.serialOf(rogueChain), NOW.minusSeconds(60)));
            ProofTest.assertInvalid(bundle, net.root, List.of(listing), "signer node rogue-1's certificate");
        }
    }
}
