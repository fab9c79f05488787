package io.stoq.fragmint.http;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.quic.BoringSSLContextOption;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * The two TLS contexts built from the one API certificate: the JDK's TLS for TCP (TLS 1.3 and
 * 1.2, HTTP/2's cipher list, ALPN {@code h2} then {@code http/1.1}) and BoringSSL's for QUIC
 * (HTTP/3, with the key-exchange groups given).
 */
final class TlsContexts {
    private TlsContexts() {}

    static SslContext tcp(TlsIdentity id) throws SSLException {
        return SslContextBuilder.forServer(id.key(), id.chain().toArray(new X509Certificate[0]))
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                .build();
    }

    static QuicSslContext quic(TlsIdentity id, String[] groups) {
        return QuicSslContextBuilder.forServer(id.key(), null, id.chain().toArray(new X509Certificate[0]))
                .applicationProtocols(Http3.supportedApplicationProtocols())
                .option(BoringSSLContextOption.GROUPS, groups)
                .build();
    }
}
