package io.stoq.net.transport;

import io.netty.handler.codec.quic.BoringSSLContextOption;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.stoq.net.LocalIdentity;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * QUIC's TLS for STOQ: ALPN {@code stoq/1}, mutual certificates (the server requires one from
 * the client), X25519MLKEM768 offered first, and a trust manager that accepts any single EC
 * certificate. That is deliberate: TLS here only proves possession of a TLS key; whether that key
 * belongs to a network member is decided by the Falcon handshake that follows, which compares
 * the key seen here ({@link #peerTlsKey}) with the one the peer's Falcon certificate binds.
 */
public final class QuicTls {
    /** The ALPN protocol id of STOQ version 1. */
    public static final String ALPN = "stoq/1";
    /** Key-exchange groups offered, most preferred first: hybrid post-quantum, then classical. */
    public static final String[] GROUPS = {"X25519MLKEM768", "X25519", "P-256"};

    private QuicTls() {}

    public static QuicSslContext server(LocalIdentity identity, String[] groups) {
        return QuicSslContextBuilder.forServer(identity.tlsKey().getPrivate(), null, identity.tlsCertificate())
                .applicationProtocols(ALPN)
                .clientAuth(ClientAuth.REQUIRE)
                .trustManager(AnyTlsKey.INSTANCE)
                .option(BoringSSLContextOption.GROUPS, groups)
                .build();
    }

    public static QuicSslContext client(LocalIdentity identity, String[] groups) {
        return QuicSslContextBuilder.forClient()
                .keyManager(identity.tlsKey().getPrivate(), null, identity.tlsCertificate())
                .applicationProtocols(ALPN)
                .trustManager(AnyTlsKey.INSTANCE)
                // Host names mean nothing here: a peer is who its Falcon certificate says.
                .endpointIdentificationAlgorithm(null)
                .option(BoringSSLContextOption.GROUPS, groups)
                .build();
    }

    /** The public key of the certificate the peer presented in this connection's TLS handshake. */
    public static PublicKey peerTlsKey(QuicChannel channel) throws NetException {
        SSLEngine engine = channel.sslEngine();
        try {
            if (engine == null || engine.getSession().getPeerCertificates().length == 0) {
                throw new SSLPeerUnverifiedException("no certificate");
            }
            return engine.getSession().getPeerCertificates()[0].getPublicKey();
        } catch (SSLPeerUnverifiedException e) {
            throw new NetException(NetErrorCode.HANDSHAKE_FAILED, "the peer presented no TLS certificate in the QUIC handshake");
        }
    }

    /** The local TLS public key as this side presents it. */
    public static PublicKey localTlsKey(LocalIdentity identity) {
        return identity.tlsCertificate().getPublicKey();
    }

    /** Accepts one EC certificate, whoever signed it (see the class comment for why). */
    static final class AnyTlsKey extends ChainCheckTrustManager {
        static final AnyTlsKey INSTANCE = new AnyTlsKey();

        @Override
        protected void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0 || !(chain[0].getPublicKey() instanceof ECPublicKey)) {
                throw new CertificateException("a STOQ peer presents one EC certificate for its TLS key");
            }
        }
    }
}
