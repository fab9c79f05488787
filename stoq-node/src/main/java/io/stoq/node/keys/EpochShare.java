package io.stoq.node.keys;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.kdf.Hkdf;
import io.stoq.crypto.kem.KemAlgorithm;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.tx.CanonicalReader;
import io.stoq.ledger.tx.CanonicalWriter;
import io.stoq.ledger.tx.Limits;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * One member node's copy of a data-key epoch's ML-KEM private key, sealed to that node's own
 * ML-KEM key: the {@code sealed} bytes of a {@code KEY_EPOCH} tx's share (opaque to the ledger).
 *
 * <pre>
 *   u8    version (1)
 *   bytes recipient ML-KEM public key (SPKI; its SHA3-256 is the kem-key claim of the node's certificate)
 *   bytes KEM ciphertext (encapsulated to the recipient key)
 *   bytes AES-256-GCM(k, aad, PKCS#8 of the epoch private key)   nonce || ciphertext || tag
 *
 *   k   = HKDF-SHA3-256(KEM secret, salt "stoq/epoch-share/v1", info = aad, 32 bytes)
 *   aad = u64 epoch || string node id || hash SHA3-256(epoch public key SPKI)
 * </pre>
 *
 * The aad binds the share to its epoch, its node and the epoch's public key, so a share copied to
 * another epoch or node, or paired with another public key, does not open. Carrying the recipient
 * key lets the next rotation seal to the same members without asking them (their certificates
 * bind the key by hash). Stateless.
 */
public final class EpochShare {
    private static final int VERSION = 1;
    private static final byte[] SALT = "stoq/epoch-share/v1".getBytes(StandardCharsets.US_ASCII);

    private EpochShare() {}

    /** Seals {@code epochPrivate} (epoch {@code epoch}, public key {@code epochPublic}) to node {@code nodeId}'s {@code nodeKem}. */
    public static byte[] seal(long epoch, PublicKey epochPublic, PrivateKey epochPrivate, String nodeId, PublicKey nodeKem)
            throws NodeException {
        try {
            KemAlgorithm kem = KemAlgorithm.of(nodeKem);
            KemAlgorithm.Encapsulation e = kem.encapsulate(nodeKem);
            byte[] aad = aad(epoch, nodeId, epochPublic);
            byte[] k = Hkdf.SHA3_256.derive(e.secret(), SALT, aad, AesGcm.KEY_LENGTH);
            byte[] plain = epochPrivate.getEncoded();
            try {
                return new CanonicalWriter().u8(VERSION).bytes(nodeKem.getEncoded()).bytes(e.ciphertext())
                        .bytes(AesGcm.seal(k, aad, plain)).toBytes();
            } finally {
                Arrays.fill(plain, (byte) 0);
                Arrays.fill(k, (byte) 0);
            }
        } catch (CryptoException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot seal epoch " + epoch + "'s key to node " + nodeId + ": "
                    + e.getMessage(), e);
        }
    }

    /** The recipient ML-KEM public key a share names (not yet checked against anything). */
    public static PublicKey recipient(byte[] sealed) throws NodeException {
        return parse(sealed).recipient();
    }

    /**
     * Opens this node's share of epoch {@code epoch} with its own KEM key pair and checks that the
     * private key it holds belongs to {@code epochPublic}. {@code NOT_PERMITTED} when the share is
     * not for this key, {@code CORRUPT_DATA} when it does not open or holds another key.
     */
    public static PrivateKey open(long epoch, PublicKey epochPublic, String nodeId, byte[] sealed, PrivateKey nodePrivate,
            PublicKey nodePublic) throws NodeException {
        Parsed p = parse(sealed);
        if (!Arrays.equals(p.recipient().getEncoded(), nodePublic.getEncoded())) {
            throw new NodeException(NodeErrorCode.NOT_PERMITTED, "epoch " + epoch + "'s share for node " + nodeId
                    + " is sealed to another ML-KEM key than this node's");
        }
        byte[] aad = aad(epoch, nodeId, epochPublic);
        byte[] k = null;
        byte[] plain = null;
        try {
            KemAlgorithm kem = KemAlgorithm.of(nodePublic);
            k = Hkdf.SHA3_256.derive(kem.decapsulate(nodePrivate, p.kemCiphertext()), SALT, aad, AesGcm.KEY_LENGTH);
            plain = AesGcm.open(k, aad, p.box());
            PrivateKey key = KeyFactory.getInstance("ML-KEM", StoqProviders.bc()).generatePrivate(new PKCS8EncodedKeySpec(plain));
            KemAlgorithm.Encapsulation check = KemAlgorithm.of(epochPublic).encapsulate(epochPublic);
            if (!Arrays.equals(check.secret(), KemAlgorithm.of(epochPublic).decapsulate(key, check.ciphertext()))) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, "epoch " + epoch + "'s share for node " + nodeId
                        + " holds a private key that does not match the epoch's public key");
            }
            return key;
        } catch (CryptoException | GeneralSecurityException e) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "epoch " + epoch + "'s share for node " + nodeId + " does not open: "
                    + e.getMessage(), e);
        } finally {
            if (k != null) {
                Arrays.fill(k, (byte) 0);
            }
            if (plain != null) {
                Arrays.fill(plain, (byte) 0);
            }
        }
    }

    /** An ML-KEM public key from its SPKI bytes. */
    public static PublicKey publicKey(byte[] spki, String what) throws NodeException {
        try {
            PublicKey key = KeyFactory.getInstance("ML-KEM", StoqProviders.bc()).generatePublic(new X509EncodedKeySpec(spki));
            KemAlgorithm.of(key);
            return key;
        } catch (GeneralSecurityException | CryptoException | IllegalArgumentException e) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, what + " is not an ML-KEM public key: " + e.getMessage(), e);
        }
    }

    private record Parsed(PublicKey recipient, byte[] kemCiphertext, byte[] box) {}

    private static Parsed parse(byte[] sealed) throws NodeException {
        try {
            CanonicalReader in = new CanonicalReader(sealed, "epoch share");
            int version = in.u8("version");
            if (version != VERSION) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, "epoch share version " + version + " is not one this node reads");
            }
            PublicKey recipient = publicKey(in.bytes("recipient", Limits.MAX_KEY_BYTES), "an epoch share's recipient");
            byte[] ct = in.bytes("kemCiphertext", Limits.MAX_KEY_BYTES);
            byte[] box = in.bytes("sealedKey", Limits.MAX_KEY_BYTES);
            in.finish();
            return new Parsed(recipient, ct, box);
        } catch (LedgerException e) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "malformed epoch share: " + e.getMessage(), e);
        }
    }

    private static byte[] aad(long epoch, String nodeId, PublicKey epochPublic) {
        return new CanonicalWriter().u64(epoch).string(nodeId).hash(Sha3.hash(epochPublic.getEncoded())).toBytes();
    }
}
