package io.stoq.ledger.tx;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.merkle.MerkleHash;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A signed ledger transaction. Immutable; the canonical encoding is computed once.
 *
 * <pre>
 * u8 format version (2) | u8 type | u8 signature algorithm code | bytes signer SPKI | u64 nonce
 * | body (per type, see {@link TxBody}) | bytes signature
 * </pre>
 *
 * The signature covers {@code "stoq.ledger.tx.v2\0"}, the 32-byte {@link NetworkId} and every field
 * before the signature, so a signature cannot be moved to another kind of message nor replayed on
 * another network that shares the signer's key. The network id is not in the encoding: whoever
 * checks the signature knows which network it is on. Format version 1 (signatures without a
 * network id) is refused. The signer is named by its public key (so anyone can check the signature
 * offline); its account id is the SHA3-256 of that SPKI. The tx id is the SHA3-256 of the whole
 * encoding, signature included: it is the merkle leaf data.
 */
public final class Transaction {
    /** The only format version this code writes and accepts. */
    public static final int FORMAT_VERSION = 2;
    private static final byte[] DOMAIN = "stoq.ledger.tx.v2\0".getBytes(StandardCharsets.US_ASCII);

    private final long nonce;
    private final SignatureAlgorithm algorithm;
    private final byte[] signerSpki;
    private final TxBody body;
    private final byte[] signature;
    private final byte[] encoded;
    private final Hash256 id;
    private final Hash256 signer;
    private final boolean withinLimits;
    /**
     * The network {@link #sign} made this signature for, in this process, with a key pair already
     * shown to verify ({@link ProvenKeys}); null for every tx that was decoded from bytes (a block
     * from another node, the Raft log, the disk). Never encoded: it is this process's knowledge,
     * not a claim the tx carries.
     */
    private final NetworkId signedHere;
    /** Cached merkle leaf hash; racy single-check caching is safe because the value is deterministic. */
    private volatile Hash256 leafHash;

    private Transaction(long nonce, SignatureAlgorithm algorithm, byte[] signerSpki, TxBody body, byte[] signature, byte[] encoded,
            boolean withinLimits, NetworkId signedHere) {
        this.nonce = nonce;
        this.algorithm = algorithm;
        this.signerSpki = signerSpki;
        this.body = body;
        this.signature = signature;
        this.encoded = encoded;
        this.id = Sha3.hash(encoded);
        this.signer = Sha3.hash(signerSpki);
        this.withinLimits = withinLimits;
        this.signedHere = signedHere;
    }

    /** {@code tx} marked as signed here for {@code network}: the same fields and hashes, none computed again. */
    private Transaction(Transaction tx, NetworkId network) {
        this.nonce = tx.nonce;
        this.algorithm = tx.algorithm;
        this.signerSpki = tx.signerSpki;
        this.body = tx.body;
        this.signature = tx.signature;
        this.encoded = tx.encoded;
        this.id = tx.id;
        this.signer = tx.signer;
        this.withinLimits = tx.withinLimits;
        this.signedHere = network;
    }

    /**
     * Signs {@code body} with {@code key} as the signer's {@code nonce}-th transaction on
     * {@code network} (a GENESIS tx is signed for the network it founds, {@link NetworkId#of(TxBody.Genesis)}).
     */
    public static Transaction sign(NetworkId network, SigningKey key, long nonce, TxBody body) throws CryptoException {
        byte[] spki = key.publicKey().getEncoded();
        byte[] unsigned = unsigned(nonce, key.algorithm(), spki, body);
        byte[] signature = key.sign(payload(network, unsigned));
        byte[] encoded = new CanonicalWriter().raw(unsigned).bytes(signature).toBytes();
        boolean withinLimits;
        try {
            parse(encoded, false); // only whether it decodes: no second tx object, no second pair of hashes
            withinLimits = true;
        } catch (LedgerException e) {
            withinLimits = false;
        }
        Transaction tx = new Transaction(nonce, key.algorithm(), spki, body, signature, encoded, withinLimits, null);
        // A key pair that verified once signs valid signatures from then on: later txs it signs here
        // skip the check at apply on this node (an ML-DSA verification each). The first tx of each
        // key pair is verified now, so a private key that does not belong to its public half (a
        // damaged key file) still gets every one of its txs refused as BAD_SIGNATURE.
        if (network != null && (ProvenKeys.proven(tx.signer, key) || (tx.verify(network) && ProvenKeys.prove(tx.signer, key)))) {
            return new Transaction(tx, network);
        }
        return tx;
    }

    /** Decodes and schema-checks a tx; the signature is not checked here (see {@link #signatureValid(NetworkId)}). */
    public static Transaction decode(byte[] encoded) throws LedgerException {
        return parse(encoded, true);
    }

    /** Decodes {@code encoded}; builds the tx only when {@code build} (else returns null once it decoded). */
    private static Transaction parse(byte[] encoded, boolean build) throws LedgerException {
        if (encoded.length > Limits.MAX_TX_BYTES) {
            throw new LedgerException(LedgerErrorCode.MALFORMED, "malformed tx: " + encoded.length + " bytes, limit " + Limits.MAX_TX_BYTES);
        }
        CanonicalReader in = new CanonicalReader(encoded, "tx");
        int version = in.u8("version");
        if (version != FORMAT_VERSION) {
            throw in.malformed("unsupported tx format version " + version + (version == 1
                    ? " (written before signatures named the network; this stoq reads version " + FORMAT_VERSION + " only)" : ""));
        }
        TxType type = TxType.fromCode(in.u8("type"), in);
        SignatureAlgorithm algorithm = in.signatureAlgorithm("signature algorithm code");
        byte[] spki = in.bytes("signer", Limits.MAX_KEY_BYTES);
        long nonce = in.u64("nonce");
        TxBody body = TxBody.decode(type, in);
        byte[] signature = in.bytes("signature", Limits.MAX_SIGNATURE_BYTES);
        in.finish();
        return build ? new Transaction(nonce, algorithm, spki, body, signature, encoded.clone(), true, null) : null;
    }

    private static byte[] unsigned(long nonce, SignatureAlgorithm algorithm, byte[] spki, TxBody body) {
        CanonicalWriter out = new CanonicalWriter().u8(FORMAT_VERSION).u8(body.type().code()).u8(algorithm.code())
                .bytes(spki).u64(nonce);
        body.encode(out);
        return out.toBytes();
    }

    private static byte[] payload(NetworkId network, byte[] unsigned) {
        return new CanonicalWriter().raw(DOMAIN).raw(network.toBytes()).raw(unsigned).toBytes();
    }

    /** The bytes the signature covers on {@code network}: domain tag, network id, every field before the signature. */
    public byte[] signingPayload(NetworkId network) {
        // The encoding is the unsigned fields, then bytes(signature): its prefix is what was signed.
        int unsignedLength = encoded.length - 4 - signature.length;
        byte[] out = new byte[DOMAIN.length + 32 + unsignedLength];
        System.arraycopy(DOMAIN, 0, out, 0, DOMAIN.length);
        System.arraycopy(network.toBytes(), 0, out, DOMAIN.length, 32);
        System.arraycopy(encoded, 0, out, DOMAIN.length + 32, unsignedLength);
        return out;
    }

    /**
     * True when the signature verifies, for {@code network}, under the carried key and that key is
     * of the named algorithm; false for a null network (none known yet). Pure, so callers may check
     * many txs in parallel. A tx this process signed itself for {@code network} with a key pair
     * that verified before ({@link #signedHere}) is not verified again: the node that signs a tx
     * checks it once, and every tx decoded from bytes (another node's block, the Raft log, the
     * disk) is verified in full.
     */
    public boolean signatureValid(NetworkId network) {
        if (signedHere != null && signedHere.equals(network)) {
            return true; // signed in this process for this network by a proven key pair: see sign()
        }
        return verify(network);
    }

    /**
     * Whether this tx was signed by {@link #sign} in this process for {@code network} with a key
     * pair already shown to verify, so {@link #signatureValid} needs no verification; false for
     * every decoded tx.
     */
    public boolean signedHere(NetworkId network) {
        return signedHere != null && signedHere.equals(network);
    }

    /** The signature check itself: the carried key's algorithm and the signature over the payload. */
    private boolean verify(NetworkId network) {
        if (network == null) {
            return false;
        }
        try {
            VerifyingKey key = SignerKeys.of(signer, signerSpki);
            return key.algorithm() == algorithm && key.verify(signingPayload(network), signature);
        } catch (CryptoException e) {
            return false;
        }
    }

    /**
     * False for a tx built by {@link #sign} whose fields break {@link Limits} (it could not be
     * decoded back); validation rejects it as MALFORMED so nothing undecodable is ever stored.
     */
    public boolean withinLimits() {
        return withinLimits;
    }

    public TxType type() {
        return body.type();
    }

    public long nonce() {
        return nonce;
    }

    public SignatureAlgorithm algorithm() {
        return algorithm;
    }

    public byte[] signerSpki() {
        return signerSpki.clone();
    }

    /** The signer's account id: SHA3-256 of its SPKI. */
    public Hash256 signer() {
        return signer;
    }

    public TxBody body() {
        return body;
    }

    public byte[] signature() {
        return signature.clone();
    }

    /** The canonical encoding (a copy). */
    public byte[] encoded() {
        return encoded.clone();
    }

    /** Length of the canonical encoding in bytes. */
    public int size() {
        return encoded.length;
    }

    /**
     * The RFC 6962 merkle leaf hash of this tx, H(0x00 || encoding), computed once. Equal to
     * {@code MerkleHash.leaf(encoded())}; cached because blocks, verify and proofs all need it.
     */
    public Hash256 leafHash() {
        Hash256 h = leafHash;
        if (h == null) {
            h = MerkleHash.leaf(encoded);
            leafHash = h;
        }
        return h;
    }

    /** SHA3-256 of the encoding. */
    public Hash256 id() {
        return id;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Transaction other && Arrays.equals(encoded, other.encoded);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return type() + " " + id.toHex().substring(0, 16) + " by " + signer.toHex().substring(0, 16) + " nonce " + nonce;
    }
}
