package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import docverifier.DocProofVerifier;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.ChainFormat;
import io.stoq.ledger.proof.ProofBuilder;
import io.stoq.ledger.proof.ProofBundle;
import io.stoq.ledger.proof.ProofVerifier;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.tx.TxType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Holds docs/ledger.md to the code: {@code docverifier.DocProofVerifier}, written from the doc with
 * only the JDK and BouncyCastle, must give the same verdict as stoq's {@link ProofVerifier} on real
 * bundles of every provable tx type and on forgeries, and must read the same facts out of them.
 */
class DocProofVerifierTest {
    static final Instant NOW = TestNetwork.T0.plus(Duration.ofHours(2));

    @TempDir
    Path dir;

    @Test
    void theIndependentVerifierUsesNoStoqCode() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("src/test/java/docverifier/DocProofVerifier.java"));
        List<String> imports = lines.stream().filter(l -> l.startsWith("import ")).toList();
        assertThat(imports).isNotEmpty().allSatisfy(l -> assertThat(l).matches("import (java|javax|org\\.bouncycastle)\\..*;"));
        assertThat(String.join("\n", lines)).doesNotContain("io.stoq");
        // Nothing else lives in its package that it could lean on.
        try (var files = Files.list(Path.of("src/test/java/docverifier"))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("DocProofVerifier.java");
        }
    }

    @ParameterizedTest // both header versions: a chain keeps the one its block 0 chose
    @EnumSource(ChainFormat.class)
    void sameVerdictsAndFactsOnRealBundlesOfEveryProvableTxType(ChainFormat format) throws Exception {
        TestNetwork net = new TestNetwork();
        NodeKeys node = NodeKeys.generate();
        NodeKeys other = NodeKeys.generate();
        List<byte[]> chain = net.nodeChain("node-1", node, TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(30)));
        List<byte[]> otherChain = net.nodeChain("node-2", other, TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(30)));
        X509CRL crl = net.crl(TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(7)), Map.of());
        SigningKey alice = TestNetwork.newKey();
        SigningKey bob = TestNetwork.newKey();
        Hash256 a1 = TestNetwork.assetId(1);
        Hash256 a2 = TestNetwork.assetId(2);
        List<Transaction> proven = new ArrayList<>();
        try (Ledger ledger = Ledger.open(dir)) {
            net.genesis(ledger, format);
            Instant t = TestNetwork.T0.plusSeconds(5);
            assertThat(ledger.commit(List.of(net.tx(net.admin, new TxBody.NodeRegister(chain))), t, net.admin).rejected()).isEmpty();
            List<Transaction> block2 = List.of(net.tx(net.admin, net.register(alice)), net.tx(net.admin, net.register(bob)),
                    net.tx(net.admin, new TxBody.NodeRegister(otherChain)),
                    net.tx(alice, TestNetwork.create(a1, 100, AssetPolicy.ANY_HOLDER)),
                    net.tx(alice, new TxBody.AssetCreate(a2, "caf\u00e9 \u2615", Sha3.hash(new byte[] {5}), "{\"manifest\":\"x\"}".getBytes(),
                            7, AssetPolicy.CREATOR_ONLY)),
                    net.tx(alice, new TxBody.TokenTransfer(a1, TestNetwork.id(bob), 40)),
                    net.tx(node.falcon(), new TxBody.LocationProof(a1, 1, "node-1", List.of(Sha3.hash(new byte[] {1}), Sha3.hash(new byte[] {2})))),
                    net.tx(net.admin, new TxBody.ConfigChange("replicas", "3")));
            List<Transaction> block3 = List.of(net.tx(bob, new TxBody.AssetUpdate(a1, 2, Sha3.hash(new byte[] {9}), new byte[] {1, 2})),
                    net.tx(alice, new TxBody.AssetDelete(a2, "retired")),
                    net.tx(net.admin, new TxBody.KeyEpoch(1, "ml-kem-768.v1", new byte[] {1, 2, 3},
                            List.of(new TxBody.NodeShare("node-1", new byte[] {4}), new TxBody.NodeShare("node-2", new byte[] {5})))),
                    net.tx(net.admin, new TxBody.CrossNetworkAnchor("partner", 10, Sha3.hash(new byte[] {6}), Sha3.hash(new byte[] {7}))),
                    net.tx(node.falcon(), new TxBody.KeyShare(otherChain, other.kem().getPublic().getEncoded(),
                            List.of(new TxBody.EpochShareOf(1, new byte[] {8})))),
                    net.tx(net.admin, new TxBody.NodeRevoke("node-2", "retired")),
                    net.tx(alice, new TxBody.ReadGrant(a1, TestNetwork.id(bob))),
                    net.tx(alice, new TxBody.ReadRevoke(a1, TestNetwork.id(bob))),
                    net.tx(bob, new TxBody.AssetVersionDelete(a1, 1, "superseded")),
                    net.tx(net.admin, new TxBody.AccountRecord("alice", 1, new byte[] {1, 'r', 'e', 'c'})),
                    net.tx(net.admin, new TxBody.KeyRewrap(a1, 1, List.of(new TxBody.VersionWrap(2, Sha3.hash(new byte[] {9}),
                            "ml-kem-768.v1", new byte[] {1, 2}, new byte[] {3, 4})))),
                    net.tx(bob, new TxBody.BucketCreate("bobs-bucket")),
                    net.tx(bob, new TxBody.NameBind("bobs-bucket", "k\u00e9y".getBytes(java.nio.charset.StandardCharsets.UTF_8), a1, 2,
                            new byte[] {1})),
                    net.tx(alice, new TxBody.BucketCreate("alices-bucket")),
                    net.tx(alice, new TxBody.BucketDelete("alices-bucket")));
            assertThat(ledger.commit(block2, t.plusSeconds(1), node.falcon()).rejected()).isEmpty();
            assertThat(ledger.commit(block3, t.plusSeconds(2), node.falcon()).rejected()).isEmpty();
            // format 3: three txs under one signature, each proven on its own
            List<Transaction> block4 = net.batch(alice, TestNetwork.create(TestNetwork.assetId(3), 1, AssetPolicy.CREATOR_ONLY),
                    new TxBody.TokenTransfer(a1, TestNetwork.id(bob), 1), TestNetwork.create(TestNetwork.assetId(4), 5, AssetPolicy.ANY_HOLDER));
            assertThat(block4).allMatch(Transaction::batchSigned);
            assertThat(ledger.commit(block4, t.plusSeconds(3), node.falcon()).rejected()).isEmpty();
            proven.addAll(block2);
            proven.addAll(block3);
            proven.addAll(block4);
            Set<TxType> types = EnumSet.noneOf(TxType.class);
            proven.forEach(tx -> types.add(tx.type()));
            assertThat(types).containsAll(EnumSet.complementOf(EnumSet.of(TxType.GENESIS))); // genesis is only ever in admin-proposed block 0

            for (Transaction tx : proven) {
                ProofBundle bundle = ProofBuilder.build(ledger.store(), tx.id(), List.of(crl.getEncoded()));
                byte[] bytes = bundle.encode();
                ProofVerifier.Verified ours = ProofVerifier.verify(ProofBundle.decode(bytes), net.root, NOW, List.of());
                DocProofVerifier.Result theirs = DocProofVerifier.verify(bytes, net.root, NOW, List.of());
                assertThat(theirs.network()).isEqualTo(ours.network());
                assertThat(theirs.txType()).as(tx.type().name()).isEqualTo(tx.type().code());
                assertThat(theirs.txId()).isEqualTo(tx.id().toBytes());
                assertThat(theirs.height()).isEqualTo(ours.header().height());
                assertThat(theirs.blockHash()).isEqualTo(ours.header().hash().toBytes());
                assertThat(theirs.proposerNodeId()).isEqualTo("node-1");
                assertThat(theirs.proposerRoles()).contains("voter");
                assertThat(theirs.signerNodeId()).isEqualTo(ours.signerNode());
                if (tx.body() instanceof TxBody.AssetCreate c) {
                    assertThat(theirs.assetId()).isEqualTo(c.assetId().toBytes());
                    assertThat(theirs.version()).isEqualTo(1);
                    assertThat(theirs.manifestRoot()).isEqualTo(c.manifestRoot().toBytes());
                } else if (tx.body() instanceof TxBody.AssetUpdate u) {
                    assertThat(theirs.assetId()).isEqualTo(u.assetId().toBytes());
                    assertThat(theirs.version()).isEqualTo(2);
                    assertThat(theirs.manifestRoot()).isEqualTo(u.manifestRoot().toBytes());
                } else {
                    assertThat(theirs.assetId()).isNull();
                }
            }

            // Flipped bytes, a foreign root, no CRL, a stale CRL: both refuse.
            ProofBundle good = ProofBuilder.build(ledger.store(), proven.get(3).id(), List.of(crl.getEncoded()));
            byte[] encoded = good.encode();
            for (int at = 0; at < encoded.length; at += Math.max(1, encoded.length / 120)) {
                byte[] bad = encoded.clone();
                bad[at] ^= 0x04;
                sameRejection(bad, net, NOW, List.of(), "flip at " + at);
            }
            // the same of a batch tx, every byte of its salt, batch position and path included
            byte[] batchTx = proven.get(proven.size() - 2).encoded();
            byte[] batchBundle = ProofBuilder.build(ledger.store(), proven.get(proven.size() - 2).id(), List.of(crl.getEncoded())).encode();
            int txAt = indexOf(batchBundle, batchTx);
            for (int at = txAt + batchTx.length - 120; at < txAt + batchTx.length; at++) {
                byte[] bad = batchBundle.clone();
                bad[at] ^= 0x01;
                sameRejection(bad, net, NOW, List.of(), "batch tx flip at " + at);
            }
            bothReject(encoded, new TestNetwork(), NOW, List.of(), "another root");
            byte[] bare = ProofBuilder.build(ledger.store(), proven.get(3).id()).encode();
            sameRejection(bare, net, NOW, List.of(), "no CRL");
            assertThat(DocProofVerifier.verify(bare, net.root, NOW, List.of(crl)).proposerNodeId()).isEqualTo("node-1");
            sameRejection(encoded, net, NOW.plus(Duration.ofDays(8)), List.of(), "stale CRL");
            Block block1 = ledger.store().block(1);
            sameRejection(ProofBuilder.build(ledger.store(), block1.txs().get(0).id(), List.of(crl.getEncoded())).encode(), net, NOW,
                    List.of(), "admin-proposed block");
        }
    }

    @Test
    void sameVerdictsOnForgeries() throws Exception {
        Forger f = new Forger();
        TestNetwork net = f.net;
        Instant revokedAt = TestNetwork.T0.plus(Duration.ofHours(1));
        X509CRL listing = net.crl(revokedAt, revokedAt.plus(Duration.ofDays(7)), Map.of(TestNetwork.serialOf(f.rogueChain), revokedAt));
        Instant at = TestNetwork.T0.plusSeconds(60);
        ProofBundle honest = f.forge(TestNetwork.NAME, f.voter.falcon(), f.voterChain, Forger.fakeCreate(f.testnet()), at, List.of(f.clean));
        assertThat(DocProofVerifier.verify(honest.encode(), net.root, NOW, List.of()).proposerNodeId()).isEqualTo("voter-1");
        sameRejection(f.forge(TestNetwork.NAME, f.storage.falcon(), f.storageChain, Forger.fakeCreate(f.testnet()), at,
                List.of(f.clean)).encode(), net, NOW, List.of(), "non-voter");
        sameRejection(f.forge(TestNetwork.NAME, f.rogue.falcon(), f.rogueChain, Forger.fakeCreate(f.testnet()), at, List.of(listing)).encode(),
                net, NOW, List.of(), "revoked");
        sameRejection(f.forge(TestNetwork.NAME, f.rogue.falcon(), f.rogueChain, Forger.fakeCreate(f.testnet()), at, List.of(f.clean)).encode(),
                net, NOW, List.of(listing), "revoked, old CRL in the bundle");
        ProofBundle relabelled = new ProofBundle("beta", honest.tx(), honest.inclusion(), honest.header(), honest.proposerChain(),
                honest.signerChain(), honest.crls());
        sameRejection(relabelled.encode(), net, NOW, List.of(), "relabelled network");
        sameRejection(f.forge("beta", f.voter.falcon(), f.voterChain, Forger.fakeCreate(f.testnet()), at, List.of(f.clean)).encode(), net,
                NOW, List.of(), "tx of another network");
        sameRejection(f.forge(TestNetwork.NAME, f.voter.falcon(), f.voterChain, Forger.fakeCreate(f.testnet()),
                TestNetwork.T0.plus(Duration.ofDays(31)), List.of(f.clean)).encode(), net, NOW, List.of(), "after the certificate");
        sameRejection(f.forge(TestNetwork.NAME, f.rogue.falcon(), f.voterChain, Forger.fakeCreate(f.testnet()), at, List.of(f.clean)).encode(),
                net, NOW, List.of(), "another node's certificate");
        X509CRL foreign = new TestNetwork().crl(TestNetwork.T0, TestNetwork.T0.plus(Duration.ofDays(7)), Map.of());
        sameRejection(honest.encode(), net, NOW, List.of(foreign), "forged CRL");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    private static void sameRejection(byte[] bundle, TestNetwork net, Instant now, List<X509CRL> crls, String what) {
        bothReject(bundle, net, now, crls, what);
    }

    private static void bothReject(byte[] bundle, TestNetwork net, Instant now, List<X509CRL> crls, String what) {
        assertThatThrownBy(() -> ProofVerifier.verify(ProofBundle.decode(bundle), net.root, now, crls)).as("stoq, " + what)
                .isInstanceOf(LedgerException.class);
        assertThatThrownBy(() -> DocProofVerifier.verify(bundle, net.root, now, crls)).as("doc verifier, " + what)
                .isInstanceOf(DocProofVerifier.Invalid.class);
    }
}
