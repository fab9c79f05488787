package io.stoq.fragmint.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code aws-chunked} streaming uploads on the wire, signed here from the AWS documentation's
 * recipe (independently of the gateway's code): good chunk signatures store the object; one
 * wrong chunk signature is SignatureDoesNotMatch and stores nothing.
 */
@Timeout(60)
class AwsChunkedRawTest {
    static S3TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = new S3TestGateway();
        gw.client("alice").createBucket(b -> b.bucket("raw"));
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
    }

    /** Sends a streaming-signed PUT of {@code chunks}; {@code spoil} >= 0 breaks that chunk's signature. Returns the raw response. */
    static String put(String key, byte[][] chunks, int spoil) throws Exception {
        var k = gw.credentials.get("alice");
        String amzDate = RawSigV4.amzDate(gw.clock.instant());
        String scope = RawSigV4.scope(amzDate);
        long decoded = 0;
        for (byte[] c : chunks) {
            decoded += c.length;
        }
        byte[] signingKey = RawSigV4.signingKey(k.secret(), amzDate);
        // the body's length depends only on chunk sizes and the 64-hex signatures
        long bodyLength = 0;
        for (byte[] c : chunks) {
            bodyLength += Integer.toHexString(c.length).length() + ";chunk-signature=".length() + 64 + 2 + c.length + 2;
        }
        bodyLength += 1 + ";chunk-signature=".length() + 64 + 4;
        String host = "127.0.0.1:" + gw.server.port();
        String signedHeaders = "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length";
        String canonical = "PUT\n/raw/" + key + "\n\n" + "content-encoding:aws-chunked\n" + "content-length:" + bodyLength + "\n"
                + "host:" + host + "\n" + "x-amz-content-sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD\n" + "x-amz-date:" + amzDate + "\n"
                + "x-amz-decoded-content-length:" + decoded + "\n\n" + signedHeaders + "\nSTREAMING-AWS4-HMAC-SHA256-PAYLOAD";
        String seed = RawSigV4.sign(signingKey, amzDate, canonical);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String previous = seed;
        byte[][] all = new byte[chunks.length + 1][];
        System.arraycopy(chunks, 0, all, 0, chunks.length);
        all[chunks.length] = new byte[0];
        for (int i = 0; i < all.length; i++) {
            String sig = HexFormat.of().formatHex(RawSigV4.hmac(signingKey, "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n"
                    + previous + "\n" + RawSigV4.sha256Hex(new byte[0]) + "\n" + RawSigV4.sha256Hex(all[i])));
            previous = sig;
            if (i == spoil) {
                sig = (sig.charAt(0) == '0' ? "1" : "0") + sig.substring(1);
            }
            body.write((Integer.toHexString(all[i].length) + ";chunk-signature=" + sig + "\r\n").getBytes(StandardCharsets.US_ASCII));
            body.write(all[i]);
            body.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat((long) body.size()).isEqualTo(bodyLength);
        String auth = "AWS4-HMAC-SHA256 Credential=" + k.accessKeyId() + "/" + scope + ", SignedHeaders=" + signedHeaders
                + ", Signature=" + seed;
        return RawSigV4.exchange(gw.server.port(), "PUT /raw/" + key + " HTTP/1.1\r\nHost: " + host
                + "\r\nContent-Encoding: aws-chunked\r\nContent-Length: " + bodyLength
                + "\r\nx-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\r\nx-amz-date: " + amzDate
                + "\r\nx-amz-decoded-content-length: " + decoded + "\r\nAuthorization: " + auth + "\r\nConnection: close\r\n\r\n",
                body.toByteArray());
    }

    @Test
    void goodChunkSignaturesStoreTheDecodedBytes() throws Exception {
        byte[][] chunks = {new byte[70_000], "tail".getBytes(StandardCharsets.UTF_8)};
        chunks[0][5] = 7;
        String res = put("good", chunks, -1);
        assertThat(res).startsWith("HTTP/1.1 200");
        byte[] got = gw.client("alice").getObjectAsBytes(b -> b.bucket("raw").key("good")).asByteArray();
        assertThat(got).hasSize(70_004);
        assertThat(got[5]).isEqualTo((byte) 7);
    }

    @Test
    void aWrongChunkSignatureIsRefusedAndStoresNothing() throws Exception {
        int before = gw.node.assets.assetCount();
        String res = put("bad", new byte[][] {new byte[70_000], "tail".getBytes(StandardCharsets.UTF_8)}, 1);
        assertThat(res).startsWith("HTTP/1.1 403").contains("<Code>SignatureDoesNotMatch</Code>");
        assertThat(gw.node.assets.assetCount()).isEqualTo(before);
        String last = put("bad2", new byte[][] {"x".getBytes(StandardCharsets.UTF_8)}, 1); // the final zero-length chunk
        assertThat(last).startsWith("HTTP/1.1 403").contains("<Code>SignatureDoesNotMatch</Code>");
        assertThat(gw.client("alice").listObjectsV2(b -> b.bucket("raw").prefix("bad")).contents()).isEmpty();
    }
}
