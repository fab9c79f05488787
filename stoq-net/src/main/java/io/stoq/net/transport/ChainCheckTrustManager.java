package io.stoq.net.transport;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager whose one decision, for clients and servers alike, is {@link #check}: STOQ
 * trusts a TLS key because of the identity bound to it, never because of a web PKI or a host
 * name. Extended (not a plain {@code X509TrustManager}) so the JDK does not wrap it in its own
 * host-name check. Used by the peer transport and by the Raft transport's mutual TLS.
 */
public abstract class ChainCheckTrustManager extends X509ExtendedTrustManager {
    /** Accepts or refuses the presented chain, leaf first; the same for either side. */
    protected abstract void check(X509Certificate[] chain) throws CertificateException;

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public final void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public final void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public final X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
