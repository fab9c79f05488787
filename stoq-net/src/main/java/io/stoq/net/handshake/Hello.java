package io.stoq.net.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.stoq.crypto.hash.Hash256;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.frame.Frame;
import io.stoq.net.frame.FrameType;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The first handshake message of each side.
 *
 * <pre>
 * HELLO payload (integers unsigned big-endian)
 *   u8    protocol version (1)
 *   32    network id
 *   32    nonce (fresh random per connection)
 *   u8    certificate count (1..4): node certificate first, then its issuers
 *   per certificate: u16 length (1..16384) | DER
 * </pre>
 */
public record Hello(int version, Hash256 networkId, byte[] nonce, List<X509Certificate> chain) {
    public static final int PROTOCOL_VERSION = 1;
    public static final int NONCE_BYTES = 32;
    private static final int MAX_CERTS = 4;
    private static final int MAX_CERT_BYTES = 16 * 1024;

    public Hello {
        nonce = nonce.clone();
        chain = List.copyOf(chain);
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }

    public Frame toFrame() throws NetException {
        ByteBuf buf = Unpooled.buffer();
        buf.writeByte(version).writeBytes(networkId.toBytes()).writeBytes(nonce).writeByte(chain.size());
        for (X509Certificate cert : chain) {
            try {
                byte[] der = cert.getEncoded();
                buf.writeShort(der.length).writeBytes(der);
            } catch (CertificateEncodingException e) {
                buf.release();
                throw new NetException(NetErrorCode.INTERNAL, "cannot encode this node's certificate: " + e.getMessage(), e);
            }
        }
        return new Frame(FrameType.HELLO, buf);
    }

    /** Decodes a HELLO frame; any deviation from the layout is a {@code HANDSHAKE_FAILED}. */
    public static Hello parse(Frame frame) throws NetException {
        ByteBuf p = frame.payload().duplicate();
        try {
            int version = p.readUnsignedByte();
            if (version != PROTOCOL_VERSION) {
                throw failed("handshake protocol version " + version + " is not supported; this node speaks " + PROTOCOL_VERSION);
            }
            byte[] network = new byte[Hash256.LENGTH];
            p.readBytes(network);
            byte[] nonce = new byte[NONCE_BYTES];
            p.readBytes(nonce);
            int count = p.readUnsignedByte();
            if (count < 1 || count > MAX_CERTS) {
                throw failed("a HELLO carries 1 to " + MAX_CERTS + " certificates, not " + count);
            }
            CertificateFactory factory = CertificateFactory.getInstance("X.509", io.stoq.crypto.StoqProviders.bc());
            List<X509Certificate> chain = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int length = p.readUnsignedShort();
                if (length < 1 || length > MAX_CERT_BYTES) {
                    throw failed("certificate " + (i + 1) + " of the HELLO is " + length + " bytes; the limit is " + MAX_CERT_BYTES);
                }
                byte[] der = new byte[length];
                p.readBytes(der);
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
            if (p.isReadable()) {
                throw failed("the HELLO has " + p.readableBytes() + " bytes after its last certificate");
            }
            return new Hello(version, Hash256.of(network), nonce, chain);
        } catch (IndexOutOfBoundsException e) {
            throw failed("the HELLO is truncated");
        } catch (GeneralSecurityException | RuntimeException e) {
            // BouncyCastle reports some malformed encodings with unchecked exceptions.
            throw failed("a certificate in the HELLO is not valid DER X.509");
        }
    }

    private static NetException failed(String message) {
        return new NetException(NetErrorCode.HANDSHAKE_FAILED, message);
    }
}
