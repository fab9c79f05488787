package io.stoq.fragmint;

import io.stoq.fragmint.client.Http3Client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.SecureRandoms;
import io.stoq.fragmint.http.ApiServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One configured certificate (a chain: server certificate, then its CA) serves HTTPS on TCP, with
 * HTTP/1.1 and HTTP/2 chosen by ALPN, and HTTP/3; clients trust only that CA. A client that trusts
 * something else, or speaks plain HTTP to the TLS port, gets nothing.
 */
class TlsTest {
    static TestCertificates.Issued ca;
    static TestCertificates.Issued leaf;
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCertificates.ca("stoq test CA");
        leaf = TestCertificates.server(ca);
        t = new TestServer(ApiServerConfig.defaults().withPorts(0, 0)
                .withTls(ApiServerConfig.Tls.https(TestCertificates.identity(leaf, ca))));
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    static URI https(String path) {
        return URI.create("https://127.0.0.1:" + t.server.port() + path);
    }

    @Test
    void baseUriIsHttps() {
        assertThat(t.server.baseUri().toString()).isEqualTo("https://127.0.0.1:" + t.server.port());
        assertThat(t.server.certificate()).isEqualTo(leaf.certificate());
    }

    @Test
    void http11AndHttp2AreChosenByAlpnAndCarryUploadsAndDownloads() throws Exception {
        for (HttpClient.Version version : new HttpClient.Version[] {HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2}) {
            HttpClient client = TestCertificates.client(version, ca.certificate());
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(https("/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.version()).as("protocol negotiated by ALPN").isEqualTo(version);
            assertThat(health.sslSession()).hasValueSatisfying(s -> {
                try {
                    Certificate[] chain = s.getPeerCertificates();
                    assertThat(chain).hasSize(2);
                    assertThat(chain[0]).isEqualTo(leaf.certificate());
                } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                    throw new AssertionError(e);
                }
            });

            byte[] data = SecureRandoms.bytes(3 * 1024 * 1024 + 7);
            HttpResponse<byte[]> created = client.send(HttpRequest.newBuilder(https("/v1/assets"))
                    .header("Authorization", "Bearer " + t.keys.get("alice"))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(created.statusCode()).as(new String(created.body())).isEqualTo(201);
            String id = TestServer.json(created).get("id").asText();
            HttpResponse<byte[]> down = client.send(HttpRequest.newBuilder(https("/v1/assets/" + id + "/content"))
                    .header("Authorization", "Bearer " + t.keys.get("alice")).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(down.statusCode()).isEqualTo(200);
            assertThat(down.version()).isEqualTo(version);
            assertThat(down.body()).isEqualTo(data);
            HttpResponse<byte[]> head = client.send(HttpRequest.newBuilder(https("/v1/assets/" + id + "/content"))
                    .header("Authorization", "Bearer " + t.keys.get("alice")).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.version()).isEqualTo(version);
            assertThat(head.headers().firstValue("Content-Length")).hasValue(Long.toString(data.length));
            assertThat(head.body()).isEmpty();
        }
    }

    @Test
    void http3PresentsTheSameCertificate() throws Exception {
        try (Http3Client h3 = new Http3Client(t.server.http3Port(), ca.certificate())) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            assertThat(h3.exchange("GET", "/healthz", Map.of(), null, 0, body).status()).isEqualTo(200);
            Certificate[] chain = h3.connection().sslEngine().getSession().getPeerCertificates();
            assertThat(chain[0].getEncoded()).isEqualTo(leaf.certificate().getEncoded());
        }
    }

    @Test
    void clientsTrustingAnotherCertificateOrSpeakingPlainHttpGetNothing() throws Exception {
        TestCertificates.Issued other = TestCertificates.ca("someone else");
        HttpClient distrustful = TestCertificates.client(HttpClient.Version.HTTP_1_1, other.certificate());
        assertThatThrownBy(() -> distrustful.send(HttpRequest.newBuilder(https("/healthz")).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(javax.net.ssl.SSLHandshakeException.class);

        HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + t.server.port() + "/healthz")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);

        assertThatThrownBy(() -> new Http3Client(t.server.http3Port(), other.certificate()).close())
                .isInstanceOf(Exception.class);
    }
}
