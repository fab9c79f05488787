package io.stoq.fragmint.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Signed single-chunk payloads ({@code x-amz-content-sha256: <hex>}) on the wire: the gateway
 * hashes nothing itself and hands the declared value to the asset service, which compares it with
 * the SHA-256 it computes of every upload. A body that is not the one signed is
 * XAmzContentSHA256Mismatch and stores nothing: no new object, no new version, no part.
 */
@Timeout(60)
class SignedPayloadRawTest {
    static S3TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = new S3TestGateway();
        gw.client("alice").createBucket(b -> b.bucket("signed"));
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    static byte[] content(int size, int seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String put(String key, String query, String declared, byte[] body) throws Exception {
        var k = gw.credentials.get("alice");
        return RawSigV4.put(gw.server.port(), k.accessKeyId(), k.secret(), gw.clock.instant(), "/signed/" + key, query, declared, body);
    }

    static byte[] get(String key) {
        return gw.client("alice").getObjectAsBytes(b -> b.bucket("signed").key(key)).asByteArray();
    }

    @Test
    void theSignedBodyIsStored() throws Exception {
        byte[] body = content(300_000, 1);
        String res = put("good", "", RawSigV4.sha256Hex(body), body);
        assertThat(res).startsWith("HTTP/1.1 200");
        assertThat(get("good")).isEqualTo(body);
        // upper-case hex names the same digest
        String upper = put("upper", "", RawSigV4.sha256Hex(body).toUpperCase(java.util.Locale.ROOT), body);
        assertThat(upper).startsWith("HTTP/1.1 200");
    }

    @Test
    void aBodyOtherThanTheSignedOneStoresNothing() throws Exception {
        long assets = gw.node.assets.assetCount();
        byte[] body = content(300_000, 2);
        byte[] signed = body.clone();
        signed[150_000] ^= 1;
        String res = put("changed", "", RawSigV4.sha256Hex(signed), body);
        assertThat(res).startsWith("HTTP/1.1 400").contains("<Code>XAmzContentSHA256Mismatch</Code>")
                .contains(RawSigV4.sha256Hex(body)).doesNotContain("Exception");
        assertThat(gw.node.assets.assetCount()).isEqualTo(assets);
        assertThat(gw.node.assets.stagingFiles()).isZero();
        assertThat(gw.client("alice").listObjectsV2(b -> b.bucket("signed").prefix("changed")).contents()).isEmpty();
    }

    @Test
    void aMismatchOnAnExistingKeyKeepsItsVersion() throws Exception {
        byte[] v1 = "version one".getBytes(StandardCharsets.UTF_8);
        assertThat(put("kept", "", RawSigV4.sha256Hex(v1), v1)).startsWith("HTTP/1.1 200");
        byte[] v2 = "version two".getBytes(StandardCharsets.UTF_8);
        String res = put("kept", "", RawSigV4.sha256Hex(v1), v2);
        assertThat(res).startsWith("HTTP/1.1 400").contains("<Code>XAmzContentSHA256Mismatch</Code>");
        assertThat(get("kept")).isEqualTo(v1);
        assertThat(gw.client("alice").headObject(b -> b.bucket("signed").key("kept")).versionId()).isEqualTo("1");
    }

    @Test
    void aValueThatIsNoSha256IsRefusedBeforeTheBodyIsRead() throws Exception {
        long assets = gw.node.assets.assetCount();
        byte[] body = content(1000, 3);
        for (String bad : new String[] {"abc", "g".repeat(64), RawSigV4.sha256Hex(body) + "00"}) {
            String res = put("malformed", "", bad, body);
            assertThat(res).as(bad).startsWith("HTTP/1.1 400").contains("<Code>XAmzContentSHA256Mismatch</Code>");
        }
        assertThat(gw.node.assets.assetCount()).isEqualTo(assets);
    }

    @Test
    void aPartWhoseBodyIsNotTheSignedOneIsNotAdded() throws Exception {
        var alice = gw.client("alice");
        String uploadId = alice.createMultipartUpload(b -> b.bucket("signed").key("parts")).uploadId();
        byte[] part = content(100_000, 4);
        byte[] other = content(100_000, 5);
        String query = "partNumber=1&uploadId=" + uploadId;
        String res = put("parts", query, RawSigV4.sha256Hex(other), part);
        assertThat(res).startsWith("HTTP/1.1 400").contains("<Code>XAmzContentSHA256Mismatch</Code>");
        assertThat(alice.listParts(b -> b.bucket("signed").key("parts").uploadId(uploadId)).parts()).isEmpty();
        assertThat(put("parts", query, RawSigV4.sha256Hex(part), part)).startsWith("HTTP/1.1 200");
        assertThat(alice.listParts(b -> b.bucket("signed").key("parts").uploadId(uploadId)).parts()).hasSize(1);
    }
}
