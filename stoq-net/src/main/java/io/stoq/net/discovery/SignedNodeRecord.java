package io.stoq.net.discovery;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.StoqProviders;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.net.LocalIdentity;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.handshake.PeerVerifier;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link NodeRecord} with the node's certificate chain and its Falcon signature over the
 * record's canonical bytes, so any node can check it without having met its author: the chain
 * must lead to the network root and not be revoked, and the record must name the certificate's
 * node id, zone and serial.
 *
 * <pre>
 * u32 length | record (canonical bytes)
 * u8 certificate count (1..4); each: u16 length | DER
 * u16 length | Falcon signature
 * </pre>
 */
public record SignedNodeRecord(NodeRecord record, List<X509Certificate> chain, byte[] signature) {
    /** The largest encoded record accepted (a Falcon-512 chain and signature take about 5 KiB). */
    public static final int MAX_BYTES = 32 * 1024;

    public SignedNodeRecord {
        chain = List.copyOf(chain);
        signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    public static SignedNodeRecord sign(NodeRecord record, LocalIdentity identity) throws CryptoException {
        return new SignedNodeRecord(record, identity.chain(), identity.falconKey().sign(record.encode()));
    }

    /**
     * Checks the chain (root, validity, revocation) and that the record is its node's, signed by
     * it; returns the proven identity.
     */
    public NodeIdentity verify(PeerVerifier verifier) throws NetException {
        NodeIdentity id = verifier.checkChain(chain);
        if (!id.nodeId().equals(record.nodeId()) || !id.zone().equals(record.zone()) || !id.serial().equals(record.serial())) {
            throw new NetException(NetErrorCode.BAD_SIGNATURE, "the record for " + record.nodeId() + " does not match the certificate of "
                    + id.nodeId() + " (id, zone and serial must be the certificate's)");
        }
        if (!id.falconKey().verify(record.encode(), signature)) {
            throw new NetException(NetErrorCode.BAD_SIGNATURE, "the record for " + record.nodeId() + " is not signed by its node");
        }
        return id;
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(6 * 1024);
        byte[] r = record.encode();
        out.writeBytes(ByteBuffer.allocate(4).putInt(r.length).array());
        out.writeBytes(r);
        out.write(chain.size());
        for (X509Certificate cert : chain) {
            try {
                byte[] der = cert.getEncoded();
                out.write(der.length >>> 8);
                out.write(der.length);
                out.writeBytes(der);
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException("a validated certificate always encodes", e);
            }
        }
        out.write(signature.length >>> 8);
        out.write(signature.length);
        out.writeBytes(signature);
        return out.toByteArray();
    }

    public static SignedNodeRecord decode(byte[] bytes) throws NetException {
        if (bytes.length > MAX_BYTES) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "a signed node record of " + bytes.length + " bytes is over the limit");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try {
            int length = b.getInt();
            if (length < 0 || length > b.remaining()) {
                throw new NetException(NetErrorCode.BAD_REQUEST, "malformed signed node record: bad record length");
            }
            byte[] record = new byte[length];
            b.get(record);
            int count = b.get() & 0xFF;
            if (count < 1 || count > 4) {
                throw new NetException(NetErrorCode.BAD_REQUEST, "malformed signed node record: " + count + " certificates");
            }
            CertificateFactory factory = CertificateFactory.getInstance("X.509", StoqProviders.bc());
            List<X509Certificate> chain = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] der = new byte[b.getShort() & 0xFFFF];
                b.get(der);
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
            byte[] signature = new byte[b.getShort() & 0xFFFF];
            b.get(signature);
            if (b.hasRemaining()) {
                throw new NetException(NetErrorCode.BAD_REQUEST, "malformed signed node record: trailing bytes");
            }
            return new SignedNodeRecord(NodeRecord.decode(record), chain, signature);
        } catch (BufferUnderflowException e) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "malformed signed node record: truncated");
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "malformed signed node record: a certificate is not valid DER");
        }
    }
}
