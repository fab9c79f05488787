package io.stoq.fragmint.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.fragmint.RawHttp;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Virtual-hosted style ({@code s3.domain} set): the bucket comes from the Host header
 * ({@code bucket.s3.test}), as the AWS SDK addresses it when path style is off. The SDK signs the
 * requests (presigned, so the test can send them to loopback with the virtual host's name in
 * {@code Host}, which no resolver here knows); path style keeps working beside it.
 */
@Timeout(120)
class VirtualHostedStyleTest {
    static final String DOMAIN = "s3.test";
    static S3TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = new S3TestGateway(S3Config.loopback().withDomain(DOMAIN));
        try (S3Client alice = gw.client("alice")) {
            alice.createBucket(b -> b.bucket("vhost"));
            alice.putObject(b -> b.bucket("vhost").key("dir/hello.txt"), RequestBody.fromString("hello by path"));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    /** A presigner that addresses buckets as {@code bucket.s3.test:port} (virtual-hosted style). */
    static S3Presigner virtualHosted() {
        return S3Presigner.builder().endpointOverride(URI.create("http://" + DOMAIN + ":" + gw.server.port()))
                .region(Region.US_EAST_1).credentialsProvider(gw.creds("alice"))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(false).build()).build();
    }

    /** Sends {@code method url} to the gateway on loopback, with the URL's host in {@code Host}. */
    static RawHttp.Response send(String method, URI url, byte[] body) throws Exception {
        try (RawHttp c = new RawHttp(gw.server.port())) {
            c.send(method + " " + url.getRawPath() + "?" + url.getRawQuery() + " HTTP/1.1\r\nHost: " + url.getHost() + ":"
                    + url.getPort() + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n");
            c.send(body);
            return c.read();
        }
    }

    @Test
    void theBucketIsTakenFromTheHostName() throws Exception {
        try (S3Presigner p = virtualHosted()) {
            URI get = p.presignGetObject(r -> r.signatureDuration(Duration.ofMinutes(5))
                    .getObjectRequest(o -> o.bucket("vhost").key("dir/hello.txt"))).url().toURI();
            assertThat(get.getHost()).isEqualTo("vhost." + DOMAIN);
            assertThat(get.getRawPath()).isEqualTo("/dir/hello.txt");
            RawHttp.Response r = send("GET", get, new byte[0]);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello by path");

            URI put = p.presignPutObject(r2 -> r2.signatureDuration(Duration.ofMinutes(5))
                    .putObjectRequest(o -> o.bucket("vhost").key("by host.txt"))).url().toURI();
            assertThat(send("PUT", put, "hello by host".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
        }
        try (S3Client alice = gw.client("alice")) { // and read back in path style
            assertThat(alice.getObjectAsBytes(b -> b.bucket("vhost").key("by host.txt")).asUtf8String()).isEqualTo("hello by host");
        }
    }

    @Test
    void anotherBucketsHostNameDoesNotServeThisBucketsObjects() throws Exception {
        try (S3Presigner p = virtualHosted()) {
            URI get = p.presignGetObject(r -> r.signatureDuration(Duration.ofMinutes(5))
                    .getObjectRequest(o -> o.bucket("other").key("dir/hello.txt"))).url().toURI();
            RawHttp.Response r = send("GET", get, new byte[0]);
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.text()).contains("<Code>NoSuchBucket</Code>");
        }
    }
}
