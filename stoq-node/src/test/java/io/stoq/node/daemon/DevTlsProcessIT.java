package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stoq dev --tls} as a real process (the {@code ./stoq} launcher), as the README tells a
 * newcomer to use it: it prints an https base URL, serves it with {@code data/tls/api.crt.pem},
 * which a client (and {@code curl --cacert}, when curl is installed) trusts; after SIGTERM and a
 * restart the certificate is the same file, byte for byte; plain {@code stoq dev} on the same data
 * serves http and keeps the certificate for HTTP/3.
 */
class DevTlsProcessIT {
    @TempDir
    Path work;

    private DevProcess startDev(String scheme, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--data", "data", "-D", "store.min-free=0B"));
        args.addAll(List.of(extra));
        DevProcess dev = DevProcess.start(work, DevProcess.LAUNCHER.toString(), work.resolve("dev.err"), args.toArray(String[]::new));
        assertThat(dev.baseUrl()).startsWith(scheme + "://");
        return dev;
    }

    private HttpClient trusting(Path pem, HttpClient.Version version) throws Exception {
        X509Certificate cert;
        try (var in = Files.newInputStream(pem)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("dev", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().version(version).sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static boolean curlInstalled() {
        try {
            return new ProcessBuilder("curl", "--version").redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void devTlsServesHttpsWithACertificateThatStaysAcrossRestarts() throws Exception {
        DevProcess dev = startDev("https", "--tls");
        Path cert = work.resolve("data/tls/api.crt.pem");
        byte[] first = Files.readAllBytes(cert);
        for (HttpClient.Version v : new HttpClient.Version[] {HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2}) {
            HttpResponse<String> r = trusting(cert, v).send(HttpRequest.newBuilder(URI.create(dev.baseUrl() + "/healthz"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.version()).isEqualTo(v);
        }
        if (curlInstalled()) {
            // The README's command, on this test's port.
            Process curl = new ProcessBuilder("curl", "-sS", "--cacert", "data/tls/api.crt.pem", dev.baseUrl() + "/healthz")
                    .directory(work.toFile()).redirectErrorStream(true).start();
            String said = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(curl.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(curl.exitValue()).as(said).isZero();
            assertThat(said).contains("\"status\":\"ok\"");
        }
        dev.stop();

        DevProcess again = startDev("https", "--tls");
        assertThat(Files.readAllBytes(cert)).as("the same certificate after a restart").isEqualTo(first);
        assertThat(trusting(cert, HttpClient.Version.HTTP_1_1).send(HttpRequest.newBuilder(URI.create(again.baseUrl()
                + "/healthz")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        again.stop();

        DevProcess plain = startDev("http");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(plain.baseUrl()
                + "/healthz")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Files.readAllBytes(cert)).as("plain dev keeps the certificate for HTTP/3").isEqualTo(first);
        plain.stop();
        assertThat(Files.readString(work.resolve("dev.err"))).doesNotContain("Exception");
    }
}
