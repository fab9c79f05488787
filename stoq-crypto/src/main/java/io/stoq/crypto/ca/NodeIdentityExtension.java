package io.stoq.crypto.ca;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTF8String;

/**
 * The X.509 extension that binds a Falcon node certificate to the node's claims.
 *
 * <pre>
 * StoqNodeIdentity ::= SEQUENCE {
 *     version       INTEGER (1 | 2),
 *     nodeId        UTF8String,
 *     zone          UTF8String,
 *     roles         SEQUENCE OF UTF8String,
 *     tlsKeySha3    OCTET STRING (SIZE (32)),   -- SHA3-256 of the TLS key's SubjectPublicKeyInfo
 *     kemKeySha3    OCTET STRING (SIZE (32)),   -- SHA3-256 of the ML-KEM key's SubjectPublicKeyInfo
 *     slhDsaKeySha3 OCTET STRING (SIZE (32)) }  -- version 2 only: SHA3-256 of the SLH-DSA key's SPKI
 * </pre>
 *
 * <p>Version 2 adds the node's SLH-DSA manifest key; claims with one are always written as version
 * 2, claims without one as version 1 (byte for byte what certificates issued before carry), and
 * both are read, so certificates already recorded in a ledger or a proof bundle stay valid.
 *
 * <p>The OID is under the 2.25 (UUID) arc, which needs no registration. The CA marks it critical:
 * software that does not understand stoq node certificates must not accept them for anything.
 */
public final class NodeIdentityExtension {
    /** {@code 2.25.<uuid>}: the stoq node identity extension. */
    public static final ASN1ObjectIdentifier OID = new ASN1ObjectIdentifier("2.25.287336406893991976226795465105805082948");
    /** Version without the SLH-DSA key hash (certificates issued before nodes had one). */
    private static final int VERSION_1 = 1;
    /** Version with the SLH-DSA key hash. */
    private static final int VERSION_2 = 2;

    private NodeIdentityExtension() {}

    public static byte[] encode(NodeClaims claims) {
        ASN1EncodableVector roles = new ASN1EncodableVector();
        for (NodeRole role : claims.roles()) {
            roles.add(new DERUTF8String(role.wireName()));
        }
        ASN1EncodableVector seq = new ASN1EncodableVector();
        seq.add(new ASN1Integer(claims.slhDsaKeyHash().isPresent() ? VERSION_2 : VERSION_1));
        seq.add(new DERUTF8String(claims.nodeId()));
        seq.add(new DERUTF8String(claims.zone()));
        seq.add(new DERSequence(roles));
        seq.add(new DEROctetString(claims.tlsKeyHash().toBytes()));
        seq.add(new DEROctetString(claims.kemKeyHash().toBytes()));
        claims.slhDsaKeyHash().ifPresent(h -> seq.add(new DEROctetString(h.toBytes())));
        try {
            return new DERSequence(seq).getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding to memory cannot fail", e);
        }
    }

    /** Decodes and validates the extension value (the DER inside the extension's OCTET STRING). */
    public static NodeClaims decode(byte[] der) throws CryptoException {
        NodeClaims claims;
        try {
            ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(der));
            if (seq.size() < 1) {
                throw new IllegalArgumentException("empty sequence");
            }
            int version = ASN1Integer.getInstance(seq.getObjectAt(0)).intValueExact();
            if (version != VERSION_1 && version != VERSION_2) {
                throw new CryptoException(CryptoErrorCode.CERTIFICATE_REJECTED, "node identity extension version " + version
                        + " is not supported (this stoq reads versions " + VERSION_1 + " and " + VERSION_2 + ")");
            }
            int fields = version == VERSION_1 ? 6 : 7;
            if (seq.size() != fields) {
                throw new IllegalArgumentException("version " + version + " has " + fields + " fields, found " + seq.size());
            }
            Set<NodeRole> roles = EnumSet.noneOf(NodeRole.class);
            for (var role : ASN1Sequence.getInstance(seq.getObjectAt(3))) {
                roles.add(NodeRole.parse(ASN1UTF8String.getInstance(role).getString()));
            }
            claims = new NodeClaims(
                    ASN1UTF8String.getInstance(seq.getObjectAt(1)).getString(),
                    ASN1UTF8String.getInstance(seq.getObjectAt(2)).getString(),
                    roles,
                    Hash256.of(ASN1OctetString.getInstance(seq.getObjectAt(4)).getOctets()),
                    Hash256.of(ASN1OctetString.getInstance(seq.getObjectAt(5)).getOctets()),
                    version == VERSION_2 ? Optional.of(Hash256.of(ASN1OctetString.getInstance(seq.getObjectAt(6)).getOctets()))
                            : Optional.empty());
        } catch (IOException | RuntimeException e) {
            throw new CryptoException(CryptoErrorCode.CERTIFICATE_REJECTED, "malformed node identity extension: " + e.getMessage(), e);
        }
        claims.validate();
        return claims;
    }

    /** Reads the claims from a certificate; fails if the extension is missing or malformed. */
    public static NodeClaims from(X509Certificate certificate) throws CryptoException {
        byte[] wrapped = certificate.getExtensionValue(OID.getId());
        if (wrapped == null) {
            throw new CryptoException(CryptoErrorCode.CERTIFICATE_REJECTED,
                    "certificate " + certificate.getSubjectX500Principal().getName() + " is not a stoq node certificate (no node identity extension)");
        }
        return decode(ASN1OctetString.getInstance(wrapped).getOctets());
    }
}
