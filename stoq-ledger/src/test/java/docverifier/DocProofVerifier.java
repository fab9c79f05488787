package docverifier;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXCertPathChecker;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * A stoq proof bundle verifier written from docs/ledger.md ("Proofs") alone, as a third party
 * would: it uses only the JDK and BouncyCastle (JCA signatures, X.509/CRL parsing, PKIX, ASN.1),
 * never a stoq class. {@code DocProofVerifierTest} holds it to the same verdicts as stoq's own
 * {@code ProofVerifier}; if the doc and the code drift apart, that test fails.
 */
public final class DocProofVerifier {
    private static final Provider BC = new BouncyCastleProvider();
    private static final String NODE_IDENTITY_OID = "2.25.287336406893991976226795465105805082948";

    /** The doc's algorithm table: code -> OID and BouncyCastle JCA name. */
    private static final Map<Integer, String[]> ALGORITHMS = Map.of(
            1, new String[] {"1.3.9999.3.11", "Falcon-512"},
            2, new String[] {"1.3.9999.3.14", "Falcon-1024"},
            3, new String[] {"2.16.840.1.101.3.4.3.21", "SLH-DSA-SHA2-128F"},
            4, new String[] {"2.16.840.1.101.3.4.3.20", "SLH-DSA-SHA2-128S"},
            5, new String[] {"2.16.840.1.101.3.4.3.18", "ML-DSA-65"});

    private DocProofVerifier() {}

    /** The bundle does not check out; the message says which step failed. */
    public static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    /**
     * What a valid bundle established.
     *
     * @param assetId for ASSET_CREATE/ASSET_UPDATE txs, the asset id (else null); likewise version and manifestRoot
     */
    public record Result(String network, int txType, byte[] txId, long height, byte[] blockHash, String proposerNodeId,
            List<String> proposerRoles, String signerNodeId, byte[] assetId, long version, byte[] manifestRoot) {}

    public static Result verify(byte[] bundleBytes, X509Certificate root, Instant now, List<X509CRL> extraCrls) throws Invalid {
        // Step 1: decode.
        Reader b = new Reader(bundleBytes);
        if (!Arrays.equals(b.raw(8), "STQPROOF".getBytes(StandardCharsets.US_ASCII))) {
            throw new Invalid("no STQPROOF magic");
        }
        if (b.u8() != 2) {
            throw new Invalid("bundle version is not 2");
        }
        String network = b.string();
        byte[] txBytes = b.bytes();
        long leafIndex = b.u32();
        long treeSize = b.u32();
        List<byte[]> path = b.hashes();
        byte[] headerBytes = b.bytes();
        List<byte[]> proposerChain = b.byteList();
        List<byte[]> signerChain = b.byteList();
        List<byte[]> crlDers = b.byteList();
        b.finish();
        Tx tx = Tx.parse(txBytes);
        Header header = Header.parse(headerBytes);

        // Step 2: the proposer chain, at the header's time, for the header's key.
        if (proposerChain.isEmpty()) {
            throw new Invalid("block proposed by an account: no certificate chain");
        }
        List<X509Certificate> pChain = certificates(proposerChain, root);
        Instant blockTime = Instant.ofEpochMilli(header.timeMillis);
        pkix(pChain, root, blockTime);
        if (!Arrays.equals(pChain.get(0).getPublicKey().getEncoded(), header.proposerSpki)) {
            throw new Invalid("the proposer certificate is not for the header's key");
        }
        // Step 3: voter role.
        Identity proposer = identity(pChain.get(0));
        if (!proposer.roles.contains("voter")) {
            throw new Invalid("the proposer is not a voter");
        }
        // Step 4: network id.
        byte[] networkId;
        try {
            networkId = sha3(concat("stoq.network.v1\0".getBytes(StandardCharsets.US_ASCII), lengthPrefixed(utf8(network)),
                    lengthPrefixed(root.getEncoded())));
        } catch (GeneralSecurityException e) {
            throw new Invalid("root certificate unusable");
        }
        // Steps 5 and 6: signatures over tag || network id || unsigned bytes.
        if (!verifySignature(header.algorithm, header.proposerSpki, concat(ascii("stoq.ledger.block.v" + header.version + "\0"), networkId,
                Arrays.copyOf(headerBytes, header.unsignedLength)), header.signature)) {
            throw new Invalid("the header signature does not verify for this network");
        }
        byte[] txMessage;
        if (tx.batchSize == 0) {
            txMessage = concat(ascii("stoq.ledger.tx.v2\0"), networkId, Arrays.copyOf(txBytes, tx.unsignedLength));
        } else { // format 3: the signature covers the batch's root, reached from this tx's salted leaf
            byte[] batchRoot = rootFrom(tx.batchIndex, tx.batchSize, sha3(concat(new byte[] {0}, tx.salt,
                    Arrays.copyOf(txBytes, tx.unsignedLength))), tx.batchPath);
            if (batchRoot == null) {
                throw new Invalid("the tx's batch path has the wrong shape");
            }
            txMessage = concat(ascii("stoq.ledger.txbatch.v3\0"), networkId, u32(tx.batchSize), batchRoot);
        }
        if (!verifySignature(tx.algorithm, tx.signerSpki, txMessage, tx.signature)) {
            throw new Invalid("the tx signature does not verify for this network");
        }
        // Step 7: inclusion.
        if (treeSize != header.txCount) {
            throw new Invalid("tree size differs from the header's tx count");
        }
        // Version 2 headers: the leaf is over the tx encoding; version 3: over the tx id, H(encoding).
        byte[] leaf = sha3(concat(new byte[] {0}, header.version == 2 ? txBytes : sha3(txBytes)));
        byte[] root7 = rootFrom(leafIndex, treeSize, leaf, path);
        if (root7 == null || !Arrays.equals(root7, header.txRoot)) {
            throw new Invalid("the inclusion path does not lead to the tx root");
        }
        // Step 8: the signer chain, if any.
        List<X509Certificate> sChain = null;
        Identity signer = null;
        if (!signerChain.isEmpty()) {
            sChain = certificates(signerChain, root);
            pkix(sChain, root, blockTime);
            if (!Arrays.equals(sChain.get(0).getPublicKey().getEncoded(), tx.signerSpki)) {
                throw new Invalid("the signer certificate is not for the tx's key");
            }
            signer = identity(sChain.get(0));
        }
        // Step 9: revocation, now.
        List<X509CRL> crls = new ArrayList<>(extraCrls);
        for (byte[] der : crlDers) {
            try {
                crls.add((X509CRL) CertificateFactory.getInstance("X.509", BC).generateCRL(new ByteArrayInputStream(der)));
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new Invalid("a CRL does not parse");
            }
        }
        X509Certificate pIssuer = issuer(pChain, root);
        List<X509Certificate> issuers = new ArrayList<>(List.of(pIssuer));
        if (sChain != null) {
            issuers.add(issuer(sChain, root));
        }
        notRevoked(pChain.get(0), pIssuer, issuers, crls, now);
        if (sChain != null) {
            notRevoked(sChain.get(0), issuer(sChain, root), issuers, crls, now);
        }
        return new Result(network, tx.type, sha3(txBytes), header.height, sha3(headerBytes), proposer.nodeId, proposer.roles,
                signer == null ? null : signer.nodeId, tx.assetId, tx.version, tx.manifestRoot);
    }

    // ---- certificates -----------------------------------------------------------------------

    private record Identity(String nodeId, List<String> roles) {}

    private static List<X509Certificate> certificates(List<byte[]> ders, X509Certificate root) throws Invalid {
        List<X509Certificate> out = new ArrayList<>();
        for (byte[] der : ders) {
            try {
                out.add((X509Certificate) CertificateFactory.getInstance("X.509", BC).generateCertificate(new ByteArrayInputStream(der)));
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new Invalid("a certificate does not parse");
            }
        }
        if (out.size() > 1 && out.get(out.size() - 1).equals(root)) {
            out.remove(out.size() - 1);
        }
        return out;
    }

    private static X509Certificate issuer(List<X509Certificate> chain, X509Certificate root) {
        return chain.size() > 1 ? chain.get(1) : root;
    }

    private static void pkix(List<X509Certificate> chain, X509Certificate root, Instant at) throws Invalid {
        try {
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
            params.setDate(Date.from(at));
            params.setRevocationEnabled(false);
            params.addCertPathChecker(new PKIXCertPathChecker() {
                @Override
                public void init(boolean forward) {}

                @Override
                public boolean isForwardCheckingSupported() {
                    return true;
                }

                @Override
                public Set<String> getSupportedExtensions() {
                    return Set.of(NODE_IDENTITY_OID);
                }

                @Override
                public void check(Certificate cert, Collection<String> unresolved) {
                    unresolved.remove(NODE_IDENTITY_OID);
                }
            });
            CertPathValidator.getInstance("PKIX", BC).validate(CertificateFactory.getInstance("X.509", BC).generateCertPath(chain), params);
        } catch (CertPathValidatorException e) {
            throw new Invalid("certificate chain rejected at " + at + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Identity identity(X509Certificate cert) throws Invalid {
        byte[] wrapped = cert.getExtensionValue(NODE_IDENTITY_OID);
        if (wrapped == null) {
            throw new Invalid("not a node certificate");
        }
        try {
            ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(wrapped).getOctets()));
            List<String> roles = new ArrayList<>();
            for (ASN1Encodable role : ASN1Sequence.getInstance(seq.getObjectAt(3))) {
                roles.add(ASN1UTF8String.getInstance(role).getString());
            }
            return new Identity(ASN1UTF8String.getInstance(seq.getObjectAt(1)).getString(), roles);
        } catch (Exception e) {
            throw new Invalid("malformed node identity extension");
        }
    }

    private static void notRevoked(X509Certificate subject, X509Certificate issuer, List<X509Certificate> issuers, List<X509CRL> crls,
            Instant now) throws Invalid {
        boolean current = false;
        for (X509CRL crl : crls) {
            X509Certificate signer = null;
            for (X509Certificate i : issuers) {
                if (i.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                    signer = i;
                }
            }
            if (signer == null) {
                throw new Invalid("a CRL from an unrelated issuer");
            }
            try {
                crl.verify(signer.getPublicKey(), BC);
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new Invalid("a CRL does not verify with its issuer's key");
            }
            if (!signer.equals(issuer)) {
                continue;
            }
            if (crl.getRevokedCertificate(subject.getSerialNumber()) != null) {
                throw new Invalid("certificate " + subject.getSerialNumber().toString(16) + " is revoked");
            }
            Instant thisUpdate = crl.getThisUpdate().toInstant();
            current |= !thisUpdate.isAfter(now) && crl.getNextUpdate() != null && !crl.getNextUpdate().toInstant().isBefore(now);
        }
        if (!current) {
            throw new Invalid("no current CRL");
        }
    }

    // ---- signatures and hashes --------------------------------------------------------------

    private static boolean verifySignature(int code, byte[] spki, byte[] message, byte[] signature) throws Invalid {
        String[] alg = ALGORITHMS.get(code);
        if (alg == null) {
            throw new Invalid("unknown algorithm code " + code);
        }
        try {
            String oid = SubjectPublicKeyInfo.getInstance(spki).getAlgorithm().getAlgorithm().getId();
            if (!oid.equals(alg[0])) {
                return false;
            }
            PublicKey key = KeyFactory.getInstance(alg[1], BC).generatePublic(new X509EncodedKeySpec(spki));
            Signature verifier = Signature.getInstance(alg[1], BC);
            verifier.initVerify(key);
            verifier.update(message);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    static byte[] sha3(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA3-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 9162 section 2.1.3.2, as the doc writes it. */
    static byte[] rootFrom(long fn, long size, byte[] leaf, List<byte[]> path) {
        long sn = size - 1;
        if (fn > sn || fn < 0) {
            return null;
        }
        byte[] r = leaf;
        for (byte[] p : path) {
            if (sn == 0) {
                return null;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = sha3(concat(new byte[] {1}, p, r));
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = sha3(concat(new byte[] {1}, r, p));
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 ? r : null;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer out = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            out.put(p);
        }
        return out.array();
    }

    private static byte[] lengthPrefixed(byte[] data) {
        return concat(ByteBuffer.allocate(4).putInt(data.length).array(), data);
    }

    private static byte[] u32(long value) {
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- the canonical encoding -------------------------------------------------------------

    /** A tx, decoded per the doc's tx layout and body table. */
    private static final class Tx {
        int type;
        int algorithm;
        byte[] signerSpki;
        int unsignedLength;
        byte[] signature;
        byte[] assetId;
        long version;
        byte[] manifestRoot;
        /** Format 3 only (0 for format 2): the salt, leaf index, batch size and path. */
        byte[] salt;
        long batchIndex;
        long batchSize;
        List<byte[]> batchPath;

        static Tx parse(byte[] bytes) throws Invalid {
            Reader in = new Reader(bytes);
            Tx tx = new Tx();
            int format = in.u8();
            if (format != 2 && format != 3) {
                throw new Invalid("tx format version is not 2 or 3");
            }
            tx.type = in.u8();
            tx.algorithm = in.u8();
            tx.signerSpki = in.bytes();
            in.u64(); // nonce
            switch (tx.type) {
                case 0 -> { in.string(); in.byteList(); in.bytes(); }
                case 1 -> { in.bytes(); in.u8(); }
                case 2 -> {
                    tx.assetId = in.hash();
                    in.string();
                    tx.manifestRoot = in.hash();
                    in.bytes();
                    in.u64();
                    in.u8();
                    tx.version = 1;
                }
                case 3 -> {
                    tx.assetId = in.hash();
                    tx.version = in.u64();
                    tx.manifestRoot = in.hash();
                    in.bytes();
                }
                case 4 -> { in.hash(); in.hash(); in.u64(); }
                case 5 -> { in.hash(); in.string(); }
                case 6 -> in.byteList();
                case 7 -> { in.string(); in.string(); }
                case 8 -> { in.hash(); in.u64(); in.string(); in.hashes(); }
                case 9 -> {
                    in.u64();
                    in.string();
                    in.bytes();
                    long count = in.u32();
                    for (long i = 0; i < count; i++) {
                        in.string();
                        in.bytes();
                    }
                }
                case 10 -> { in.string(); in.string(); }
                case 11 -> { in.string(); in.u64(); in.hash(); in.hash(); }
                case 12, 13 -> { in.hash(); in.hash(); }
                case 14 -> { in.hash(); in.u64(); in.string(); }
                case 15 -> { in.string(); in.u64(); in.bytes(); }
                case 16 -> {
                    in.hash();
                    in.u64();
                    long wraps = in.u32();
                    for (long w = 0; w < wraps; w++) {
                        in.u64();
                        in.hash();
                        in.string();
                        in.bytes();
                        in.bytes();
                    }
                }
                case 17, 18 -> in.string();
                case 19 -> { in.string(); in.bytes(); in.hash(); in.u64(); in.bytes(); }
                case 20 -> {
                    in.byteList();
                    in.bytes();
                    long shares = in.u32();
                    for (long i = 0; i < shares; i++) {
                        in.u64();
                        in.bytes();
                    }
                }
                default -> throw new Invalid("unknown tx type " + tx.type);
            }
            tx.unsignedLength = in.position();
            tx.signature = in.bytes();
            if (format == 3) {
                tx.salt = in.raw(16);
                tx.batchIndex = in.u32();
                tx.batchSize = in.u32();
                tx.batchPath = in.hashes();
                if (tx.batchSize < 2) {
                    throw new Invalid("a batch tx's batch size is below 2");
                }
            }
            in.finish();
            return tx;
        }
    }

    /** A block header, decoded per the doc's header layout. */
    private static final class Header {
        long height;
        byte[] txRoot;
        long timeMillis;
        long txCount;
        int version;
        int algorithm;
        byte[] proposerSpki;
        int unsignedLength;
        byte[] signature;

        static Header parse(byte[] bytes) throws Invalid {
            Reader in = new Reader(bytes);
            Header h = new Header();
            h.version = in.u8();
            if (h.version != 2 && h.version != 3) {
                throw new Invalid("header version is not 2 or 3");
            }
            h.height = in.u64();
            in.hash(); // previous block hash
            h.txRoot = in.hash();
            in.hash(); // state root
            h.timeMillis = in.u64();
            h.txCount = in.u32();
            h.algorithm = in.u8();
            h.proposerSpki = in.bytes();
            h.unsignedLength = in.position();
            h.signature = in.bytes();
            in.finish();
            return h;
        }
    }

    /** Big-endian fixed-width integers, u32-length-prefixed bytes and strings, 32-byte hashes; nothing may be left over. */
    private static final class Reader {
        private final byte[] data;
        private int pos;

        Reader(byte[] data) {
            this.data = data;
        }

        int position() {
            return pos;
        }

        byte[] raw(int n) throws Invalid {
            if (n < 0 || data.length - pos < n) {
                throw new Invalid("truncated");
            }
            byte[] out = Arrays.copyOfRange(data, pos, pos + n);
            pos += n;
            return out;
        }

        int u8() throws Invalid {
            return raw(1)[0] & 0xFF;
        }

        long u32() throws Invalid {
            long v = new BigInteger(1, raw(4)).longValueExact();
            if (v >= 1L << 31) {
                throw new Invalid("length or count out of range");
            }
            return v;
        }

        long u64() throws Invalid {
            return ByteBuffer.wrap(raw(8)).getLong();
        }

        byte[] bytes() throws Invalid {
            return raw((int) u32());
        }

        String string() throws Invalid {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes())).toString();
            } catch (CharacterCodingException e) {
                throw new Invalid("invalid UTF-8");
            }
        }

        byte[] hash() throws Invalid {
            return raw(32);
        }

        List<byte[]> hashes() throws Invalid {
            long n = u32();
            List<byte[]> out = new ArrayList<>();
            for (long i = 0; i < n; i++) {
                out.add(hash());
            }
            return out;
        }

        List<byte[]> byteList() throws Invalid {
            long n = u32();
            List<byte[]> out = new ArrayList<>();
            for (long i = 0; i < n; i++) {
                out.add(bytes());
            }
            return out;
        }

        void finish() throws Invalid {
            if (pos != data.length) {
                throw new Invalid("trailing bytes");
            }
        }
    }
}
