package io.stoq.net.handshake;

import io.stoq.crypto.hash.Hash256;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;

/**
 * The bytes each side signs with its Falcon key to finish the handshake. It binds the signature
 * to this one connection: both TLS keys as the QUIC handshake saw them (each side takes the
 * peer's from its TLS session, never from a message), both fresh nonces, the network, and the
 * signer's role (so a server's proof cannot be reflected back as a client's).
 *
 * <pre>
 * "stoq/1 peer-auth\0"           17 bytes, ASCII
 * u8   protocol version (1)
 * 32   network id
 * u16  length | client TLS key, DER SubjectPublicKeyInfo
 * u16  length | server TLS key, DER SubjectPublicKeyInfo
 * 32   client nonce
 * 32   server nonce
 * u8   signer role: 1 client, 2 server
 * </pre>
 */
public final class Transcript {
    private static final byte[] LABEL = "stoq/1 peer-auth\0".getBytes(StandardCharsets.US_ASCII);

    private Transcript() {}

    public static byte[] of(Hash256 networkId, PublicKey clientTls, PublicKey serverTls, byte[] clientNonce, byte[] serverNonce,
            Role signer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        out.writeBytes(LABEL);
        out.write(Hello.PROTOCOL_VERSION);
        out.writeBytes(networkId.toBytes());
        field(out, clientTls.getEncoded());
        field(out, serverTls.getEncoded());
        out.writeBytes(clientNonce);
        out.writeBytes(serverNonce);
        out.write(signer.code());
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, byte[] value) {
        out.write(value.length >>> 8);
        out.write(value.length);
        out.writeBytes(value);
    }
}
