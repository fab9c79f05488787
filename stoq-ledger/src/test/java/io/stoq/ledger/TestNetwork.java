package io.stoq.ledger;

import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Role;
import io.stoq.ledger.tx.Transaction;
import io.stoq.ledger.tx.TxBody;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Real keys and a real Falcon CA for tests: an admin (ML-DSA-65, fast to sign), member accounts,
 * a Falcon-512 root certificate, and node certificates it issues. Keeps per-signer nonces so tests
 * read like "alice transfers 10 to bob".
 */
public final class TestNetwork {
    public static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    public final SigningKey admin;
    public final SigningKey rootKey;
    public final X509Certificate root;
    private final Map<Hash256, Long> nonces = new HashMap<>();

    public TestNetwork() throws Exception {
        admin = SigningKey.generate(SignatureAlgorithm.ML_DSA_65);
        rootKey = SigningKey.generate(SignatureAlgorithm.FALCON_512);
        root = certificate("stoq-root", rootKey, rootKey, "stoq-root", true, T0.minus(Duration.ofDays(1)), T0.plus(Duration.ofDays(3650)));
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
        return Transaction.sign(key, nonce, body);
    }

    /** Signs with an explicit nonce (for replay and gap tests); does not advance the counter. */
    public static Transaction txWithNonce(SigningKey key, long nonce, TxBody body) throws Exception {
        return Transaction.sign(key, nonce, body);
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
        usedGenesisNonce(admin);
        return ledger.genesis(admin, "testnet", List.of(admin.publicKey().getEncoded()), root.getEncoded(), T0);
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

    /** A node certificate for {@code nodeId} issued by the root, valid from..until. */
    public X509Certificate nodeCert(String nodeId, SigningKey nodeKey, Instant from, Instant until) throws Exception {
        return certificate(nodeId, nodeKey, rootKey, "stoq-root", false, from, until);
    }

    public static X509Certificate certificate(String cn, SigningKey subject, SigningKey issuer, String issuerCn, boolean ca,
            Instant from, Instant until) throws Exception {
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("CN=" + issuerCn),
                BigInteger.valueOf(Math.abs(cn.hashCode()) + 1L), Date.from(from), Date.from(until), new X500Name("CN=" + cn),
                subject.publicKey());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        builder.addExtension(Extension.keyUsage, true,
                new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
        var signer = new JcaContentSignerBuilder(issuer.algorithm().jcaName()).setProvider(StoqProviders.bc()).build(issuer.privateKey());
        return new JcaX509CertificateConverter().setProvider(StoqProviders.bc()).getCertificate(builder.build(signer));
    }
}
