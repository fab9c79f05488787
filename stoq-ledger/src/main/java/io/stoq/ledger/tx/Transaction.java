package io.stoq.ledger.tx;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.merkle.InclusionProof;
import io.stoq.crypto.merkle.MerkleHash;
import io.stoq.crypto.merkle.MerkleTree;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.crypto.sign.VerifyingKey;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
 *
 * <p>A signer with several txs for one block may sign them as a batch ({@link #signBatch}): format
 * version 3, one signature shared by all of them.
 * <pre>
 * u8 format version (3) | u8 type | u8 signature algorithm code | bytes signer SPKI | u64 nonce
 * | body | bytes signature | 16-byte salt | u32 leaf index | u32 batch size | hashes path
 * </pre>
 * Each tx of the batch is a leaf {@code H(0x00 || salt || every field before the signature)}; the
 * signature covers {@code "stoq.ledger.txbatch.v3\0"}, the network id, the u32 batch size and the
 * batch's RFC 9162 merkle root, and each tx carries its own path to that root. So each tx still
 * stands alone (its own nonce, id, inclusion proof) while the signer pays for one signature. The
 * random salt keeps the sibling hashes a tx carries from revealing the other txs of the batch: a
 * proof holder cannot confirm a guess at a sibling (an amount, a recipient) by hashing it.
 */
public final class Transaction {
    /** The format version of a tx signed alone; with {@link #BATCH_FORMAT_VERSION}, the only ones this code writes and accepts. */
    public static final int FORMAT_VERSION = 2;
    /** The format version of a tx signed as one of a batch ({@link #signBatch}). */
    public static final int BATCH_FORMAT_VERSION = 3;
    /** Random bytes in each batch leaf, so that a tx's sibling hashes cannot be confirmed by guessing. */
    public static final int SALT_BYTES = 16;
    /** Longest path a batch tx may carry: batches of up to 2^16 txs (a block holds {@value Limits#MAX_BLOCK_TXS}). */
    public static final int MAX_BATCH_PATH = 16;
    private static final byte[] DOMAIN = "stoq.ledger.tx.v2\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BATCH_DOMAIN = "stoq.ledger.txbatch.v3\0".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom SALTS = new SecureRandom();

    private final long nonce;
    private final SignatureAlgorithm algorithm;
    private final byte[] signerSpki;
    private final TxBody body;
    private final byte[] signature;
    /** Where this tx sits in the batch its signature covers; null for a tx signed alone (format 2). */
    private final BatchPosition batch;
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

    /** A batch tx's salt and its path from its leaf to the root the batch signature covers. */
    private record BatchPosition(byte[] salt, InclusionProof path) {}

    private Transaction(long nonce, SignatureAlgorithm algorithm, byte[] signerSpki, TxBody body, byte[] signature, BatchPosition batch,
            byte[] encoded, boolean withinLimits, NetworkId signedHere) {
        this.nonce = nonce;
        this.algorithm = algorithm;
        this.signerSpki = signerSpki;
        this.body = body;
        this.signature = signature;
        this.batch = batch;
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
        this.batch = tx.batch;
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
        byte[] unsigned = unsigned(FORMAT_VERSION, nonce, key.algorithm(), spki, body);
        byte[] signature = key.sign(payload(network, unsigned));
        byte[] encoded = new CanonicalWriter().raw(unsigned).bytes(signature).toBytes();
        return signedHere(network, key, new Transaction(nonce, key.algorithm(), spki, body, signature, null, encoded, decodes(encoded), null));
    }

    /**
     * Signs {@code bodies} with {@code key} as the signer's txs with {@code nonces} (same order)
     * on {@code network}, with one signature for all of them (format 3, see the class comment).
     * One body is signed alone ({@link #sign}, format 2), as there is nothing to share.
     */
    public static List<Transaction> signBatch(NetworkId network, SigningKey key, List<Long> nonces, List<TxBody> bodies)
            throws CryptoException {
        int n = bodies.size();
        if (nonces.size() != n || n == 0 || n > (1 << MAX_BATCH_PATH)) {
            throw new IllegalArgumentException("a batch needs 1.." + (1 << MAX_BATCH_PATH) + " bodies, one nonce each; got " + n
                    + " bodies and " + nonces.size() + " nonces");
        }
        if (n == 1) {
            return List.of(sign(network, key, nonces.get(0), bodies.get(0)));
        }
        byte[] spki = key.publicKey().getEncoded();
        byte[][] unsigned = new byte[n][];
        byte[][] salts = new byte[n][];
        List<Hash256> leaves = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            unsigned[i] = unsigned(BATCH_FORMAT_VERSION, nonces.get(i), key.algorithm(), spki, bodies.get(i));
            salts[i] = new byte[SALT_BYTES];
            SALTS.nextBytes(salts[i]);
            leaves.add(batchLeaf(salts[i], unsigned[i], unsigned[i].length));
        }
        MerkleTree tree = MerkleTree.ofLeafHashes(leaves);
        byte[] signature = key.sign(batchPayload(network, n, tree.root()));
        List<Transaction> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            InclusionProof path = tree.proof(i);
            byte[] encoded = new CanonicalWriter().raw(unsigned[i]).bytes(signature).raw(salts[i]).u32(path.leafIndex())
                    .u32(path.treeSize()).hashes(path.path()).toBytes();
            Transaction tx = new Transaction(nonces.get(i), key.algorithm(), spki, bodies.get(i), signature,
                    new BatchPosition(salts[i], path), encoded, decodes(encoded), null);
            out.add(signedHere(network, key, tx));
        }
        return out;
    }

    /** Whether {@code encoded} decodes: no second tx object, no second pair of hashes. */
    private static boolean decodes(byte[] encoded) {
        try {
            parse(encoded, false);
            return true;
        } catch (LedgerException e) {
            return false;
        }
    }

    /**
     * {@code tx}, marked as signed here when its key pair is proven. A key pair that verified once
     * signs valid signatures from then on: later txs it signs here skip the check at apply on this
     * node (an ML-DSA verification each). The first tx of each key pair is verified now, so a
     * private key that does not belong to its public half (a damaged key file) still gets every one
     * of its txs refused as BAD_SIGNATURE.
     */
    private static Transaction signedHere(NetworkId network, SigningKey key, Transaction tx) {
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
        if (version != FORMAT_VERSION && version != BATCH_FORMAT_VERSION) {
            throw in.malformed("unsupported tx format version " + version + (version == 1
                    ? " (written before signatures named the network; this stoq reads versions " + FORMAT_VERSION + " and "
                    + BATCH_FORMAT_VERSION + ")" : ""));
        }
        TxType type = TxType.fromCode(in.u8("type"), in);
        SignatureAlgorithm algorithm = in.signatureAlgorithm("signature algorithm code");
        byte[] spki = in.bytes("signer", Limits.MAX_KEY_BYTES);
        long nonce = in.u64("nonce");
        TxBody body = TxBody.decode(type, in);
        byte[] signature = in.bytes("signature", Limits.MAX_SIGNATURE_BYTES);
        BatchPosition batch = null;
        if (version == BATCH_FORMAT_VERSION) {
            byte[] salt = in.raw("salt", SALT_BYTES);
            int index = in.u32("batch leaf index");
            int size = in.u32("batch size");
            List<Hash256> path = in.hashes("batch path", MAX_BATCH_PATH);
            if (size < 2 || size > (1 << MAX_BATCH_PATH) || index < 0 || index >= size) {
                throw in.malformed("batch leaf index " + Integer.toUnsignedString(index) + " of batch size "
                        + Integer.toUnsignedString(size) + " is out of range (a batch has 2.." + (1 << MAX_BATCH_PATH) + " txs)");
            }
            if (path.size() != InclusionProof.pathLength(index, size)) {
                throw in.malformed("batch path has " + path.size() + " hashes; leaf " + index + " of " + size + " needs "
                        + InclusionProof.pathLength(index, size));
            }
            batch = new BatchPosition(salt, new InclusionProof(index, size, path));
        }
        in.finish();
        return build ? new Transaction(nonce, algorithm, spki, body, signature, batch, encoded.clone(), true, null) : null;
    }

    private static byte[] unsigned(int version, long nonce, SignatureAlgorithm algorithm, byte[] spki, TxBody body) {
        CanonicalWriter out = new CanonicalWriter().u8(version).u8(body.type().code()).u8(algorithm.code())
                .bytes(spki).u64(nonce);
        body.encode(out);
        return out.toBytes();
    }

    private static byte[] payload(NetworkId network, byte[] unsigned) {
        return new CanonicalWriter().raw(DOMAIN).raw(network.toBytes()).raw(unsigned).toBytes();
    }

    /** A batch tx's merkle leaf: {@code H(0x00 || salt || the first unsignedLength bytes of unsigned)}. */
    private static Hash256 batchLeaf(byte[] salt, byte[] unsigned, int unsignedLength) {
        byte[] data = new byte[SALT_BYTES + unsignedLength];
        System.arraycopy(salt, 0, data, 0, SALT_BYTES);
        System.arraycopy(unsigned, 0, data, SALT_BYTES, unsignedLength);
        return MerkleHash.leaf(data);
    }

    private static byte[] batchPayload(NetworkId network, int size, Hash256 root) {
        return new CanonicalWriter().raw(BATCH_DOMAIN).raw(network.toBytes()).u32(size).hash(root).toBytes();
    }

    /** Length of the fields the signature (or, in a batch, the leaf) covers: the encoding up to the signature. */
    private int unsignedLength() {
        return encoded.length - 4 - signature.length - (batch == null ? 0
                : SALT_BYTES + 4 + 4 + 4 + Hash256.LENGTH * batch.path().path().size());
    }

    /** True when this tx was signed as one of a batch (format 3), sharing its signature with the others. */
    public boolean batchSigned() {
        return batch != null;
    }

    /**
     * The bytes the signature covers on {@code network}. Alone: domain tag, network id, every field
     * before the signature. In a batch: batch domain tag, network id, batch size and the root this
     * tx's path leads to from its leaf.
     */
    public byte[] signingPayload(NetworkId network) {
        int unsignedLength = unsignedLength();
        if (batch != null) {
            Hash256 root = batch.path().rootFrom(batchLeaf(batch.salt(), encoded, unsignedLength));
            if (root == null) { // rootFrom refuses only a path of the wrong shape, which decode and signBatch never build
                throw new IllegalStateException("batch path of the wrong shape in " + this);
            }
            return batchPayload(network, batch.path().treeSize(), root);
        }
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
     * The RFC 6962 merkle leaf hash over this tx's whole encoding, H(0x00 || encoding): its leaf
     * in a block of chain format 2 ({@code ChainFormat.V2}), computed once and cached because
     * blocks, verify and proofs all need it.
     */
    public Hash256 encodingLeafHash() {
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
