package io.stoq.node.cli.asset;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Builds the TLS trust of the CLI's HTTP client from PEM certificate files, as {@code curl
 * --cacert} does: the certificates given are trust anchors, with the usual path and host name
 * checks (the JDK's PKIX trust manager).
 */
final class TrustFiles {
    private TrustFiles() {}

    static List<X509Certificate> read(Path file, String what) throws ApiException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new ApiException(ApiError.BAD_REQUEST, what + " " + file + " holds no PEM certificate");
            }
            return out;
        } catch (NoSuchFileException e) {
            throw new ApiException(ApiError.BAD_REQUEST, what + " " + file + " does not exist");
        } catch (IOException | GeneralSecurityException e) {
            throw new ApiException(ApiError.BAD_REQUEST, what + " " + file + " is not a PEM certificate file");
        }
    }

    /** Trusts {@code anchors}, plus the JDK's default CAs when {@code withDefaults}. */
    static SSLContext trusting(List<X509Certificate> anchors, boolean withDefaults) throws ApiException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (X509Certificate c : anchors) {
                ks.setCertificateEntry("given-" + i++, c);
            }
            if (withDefaults) {
                TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                system.init((KeyStore) null);
                for (TrustManager tm : system.getTrustManagers()) {
                    if (tm instanceof X509TrustManager x) {
                        for (X509Certificate c : x.getAcceptedIssuers()) {
                            ks.setCertificateEntry("system-" + i++, c);
                        }
                    }
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new ApiException(ApiError.INTERNAL, "cannot set up TLS trust: " + e.getMessage(), e);
        }
    }
}
