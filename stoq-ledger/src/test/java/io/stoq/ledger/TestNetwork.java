package io.stoq.ledger;

import io.stoq.crypto.ca.CertificateIssuer;
import io.stoq.crypto.ca.NodeClaims;
import io.stoq.crypto.ca.NodeCsr;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Role;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Real keys and a real Falcon CA for tests: an admin (ML-DSA-65, fast to sign), member accounts,
 * a Falcon-512 root certificate, and node certificates it issues. Keeps per-signer nonces so tests
 * read like "alice transfers 10 to bob".
 */
public final class TestNetwork {
    public static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    /** The network name genesis gives. */
    public static final String NAME = "testnet";

    public final SigningKey admin;
    public final SigningKey rootKey;
    public final X509Certificate root;
    public final SigningKey intermediateKey;
    public final X509Certificate intermediate;
    /** The network {@link #genesis} founds: what {@link #tx} signs for. */
    public final NetworkId network;
    private final Map<Hash256, Long> nonces = new HashMap<>();
    private long crlNumber;

    public TestNetwork() throws Exception {
        admin = SigningKey.generate(SignatureAlgorithm.ML_DSA_65);
        rootKey = SigningKey.generate(SignatureAlgorithm.FALCON_512);
        root = CertificateIssuer.root(rootKey, "testnet", T0.minus(Duration.ofDays(1)), T0.plus(Duration.ofDays(3650)));
        intermediateKey = SigningKey.generate(SignatureAlgorithm.FALCON_512);
        intermediate = CertificateIssuer.intermediate(rootKey, root, intermediateKey.publicKey(), "testnet",
                T0.minus(Duration.ofDays(1)), T0.plus(Duration.ofDays(3650)));
        network = NetworkId.of(NAME, root.getEncoded());
    }

    /**
     * A CRL signed by this network's intermediate, current from {@code thisUpdate} to
     * {@code nextUpdate}, revoking {@code revoked} (serial -> when), numbered in signing order.
     */
    public X509CRL crl(Instant thisUpdate, Instant nextUpdate, Map<BigInteger, Instant> revoked) throws Exception {
        Map<BigInteger, CertificateIssuer.Revocation> entries = new TreeMap<>();
        revoked.forEach((serial, at) -> entries.put(serial,
                new CertificateIssuer.Revocation(at, CertificateIssuer.RevocationReason.KEY_COMPROMISE)));
        return CertificateIssuer.crl(intermediateKey, intermediate, entries, ++crlNumber, thisUpdate, nextUpdate);
    }

    /** The serial of a chain's leaf certificate. */
    public static BigInteger serialOf(List<byte[]> chain) throws Exception {
        return io.stoq.ledger.validate.NodeCertificates.parse(chain.get(0)).getSerialNumber();
    }

    /** A new ML-DSA-65 member key (not yet registered). */
    public static SigningKey newKey() throws Exception {
        return SigningKey.generate(SignatureAlgorithm.ML_DSA_65);
    }

    public static Hash256 id(SigningKey key) {
        return Sha3.hash(key.publicKey().getEncoded());
    }

    /** Signs {@code body} with {@code key}'s next nonce. */
    public Transaction tx(SigningKey key, TxBody body) throws Exception {
        long nonce = nonces.merge(id(key), 1L, Long::sum);
        return Transaction.sign(network, key, nonce, body);
    }

    /** Signs {@code bodies} as one batch ({@link Transaction#signBatch}) with {@code key}'s next nonces. */
    public List<Transaction> batch(SigningKey key, TxBody... bodies) throws Exception {
        List<Long> assigned = new java.util.ArrayList<>();
        for (TxBody ignored : bodies) {
            assigned.add(nonces.merge(id(key), 1L, Long::sum));
        }
        return Transaction.signBatch(network, key, assigned, List.of(bodies));
    }

    /** Signs with an explicit nonce (for replay and gap tests); does not advance the counter. */
    public Transaction txWithNonce(SigningKey key, long nonce, TxBody body) throws Exception {
        return Transaction.sign(network, key, nonce, body);
    }

    /** Gives back a nonce whose tx was rejected, so the signer's next tx reuses it. */
    public void rejected(Transaction tx) {
        nonces.computeIfPresent(tx.signer(), (k, n) -> n == tx.nonce() ? n - 1 : n);
    }

    /** Marks {@code key}'s counter as if genesis used nonce 1. */
    public void usedGenesisNonce(SigningKey key) {
        nonces.put(id(key), 1L);
    }

    public Ledger.CommitResult genesis(Ledger ledger) throws Exception {
        return genesis(ledger, io.stoq.ledger.block.ChainFormat.CURRENT);
    }

    /** Founds a chain of {@code format} (an older one: a chain as an earlier stoq founded it). */
    public Ledger.CommitResult genesis(Ledger ledger, io.stoq.ledger.block.ChainFormat format) throws Exception {
        usedGenesisNonce(admin);
        return ledger.genesis(admin, NAME, List.of(admin.publicKey().getEncoded()), root.getEncoded(), T0, format);
    }

    public TxBody.AccountRegister register(SigningKey key) {
        return new TxBody.AccountRegister(key.publicKey().getEncoded(), Role.MEMBER);
    }

    public static TxBody.AssetCreate create(Hash256 assetId, long supply, AssetPolicy policy) {
        return new TxBody.AssetCreate(assetId, "asset", Sha3.hash(assetId.toBytes()), new byte[] {1, 2, 3}, supply, policy);
    }

    public static Hash256 assetId(int n) {
        return Sha3.hash(("asset-" + n).getBytes());
    }

    /** A node certificate chain (leaf, intermediate) for {@code nodeId}'s keys, valid from..until, issued by this CA. */
    public List<byte[]> nodeChain(String nodeId, NodeKeys keys, Instant from, Instant until) throws Exception {
        return nodeChain(nodeId, keys, from, until, Set.of(NodeRole.STORAGE, NodeRole.VOTER));
    }

    /** As {@link #nodeChain(String, NodeKeys, Instant, Instant)} with the given certified roles. */
    public List<byte[]> nodeChain(String nodeId, NodeKeys keys, Instant from, Instant until, Set<NodeRole> roles) throws Exception {
        NodeClaims claims = NodeClaims.of(nodeId, "zone-a", roles, keys.tls().getPublic(), keys.kem().getPublic());
        NodeCsr.Verified request = NodeCsr.verify(NodeCsr.create(keys.falcon(), claims));
        X509Certificate leaf = CertificateIssuer.node(intermediateKey, intermediate, request, CertificateIssuer.randomSerial(), from, until);
        return List.of(leaf.getEncoded(), intermediate.getEncoded());
    }
}
