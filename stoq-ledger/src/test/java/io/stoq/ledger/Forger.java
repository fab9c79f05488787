package io.stoq.ledger;

import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.merkle.InclusionProof;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.block.ChainFormat;
import io.stoq.ledger.proof.ProofBundle;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a malicious certified node has, and how it forges a bundle: no ledger, only its own key
 * and certificate, a tx of its choosing (an ASSET_CREATE claiming an asset id, signed by a
 * throwaway key) in a one-tx "block" whose header it signs. A test network with a voter, a
 * storage-only node and a rogue voter (revoked by the tests that need it), all valid for 30 days
 * from {@link TestNetwork#T0}, and a clean CRL current for the first 7 days.
 */
final class Forger {
    final TestNetwork net;
    final NodeKeys voter;
    final NodeKeys storage;
    final NodeKeys rogue;
    final List<byte[]> voterChain;
    final List<byte[]> storageChain;
    final List<byte[]> rogueChain;
    final X509CRL clean;

    Forger() throws Exception {
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

    NetworkId testnet() throws Exception {
        return NetworkId.of(TestNetwork.NAME, net.root.getEncoded());
    }

    /** A fake asset version, signed by a key the forger made up, for network {@code network}. */
    static Transaction fakeCreate(NetworkId network) throws Exception {
        Hash256 asset = TestNetwork.assetId(77);
        return Transaction.sign(network, TestNetwork.newKey(), 1,
                new TxBody.AssetCreate(asset, "someone else's photo", Sha3.hash(new byte[] {6, 6, 6}), new byte[0], 1, AssetPolicy.CREATOR_ONLY));
    }

    /** A one-tx block header over {@code tx}, signed by {@code proposer} for {@code network}, and the bundle around it. */
    ProofBundle forge(String network, SigningKey proposer, List<byte[]> chain, Transaction tx, Instant time, List<X509CRL> crls)
            throws Exception {
        NetworkId id = NetworkId.of(network, net.root.getEncoded());
        BlockHeader header = BlockHeader.sign(id, ChainFormat.CURRENT, 41, Sha3.hash(new byte[] {1}), ChainFormat.CURRENT.leaf(tx),
                Sha3.hash(new byte[] {2}), time, 1, proposer);
        List<byte[]> crlDer = new ArrayList<>();
        for (X509CRL crl : crls) {
            crlDer.add(crl.getEncoded());
        }
        return new ProofBundle(network, tx.encoded(), new InclusionProof(0, 1, List.of()), header.encode(), chain, List.of(), crlDer);
    }
}
