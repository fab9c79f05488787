package io.stoq.fragmint.s3;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * SigV4 requests built on the wire from the AWS documentation's recipe, independently of the
 * gateway's code, for what an SDK will not send: a signature over a body other than the one that
 * follows, a streaming upload with one chunk signature spoiled.
 */
public final class RawSigV4 {
    static final String REGION = "us-east-1";

    private RawSigV4() {}

    static byte[] hmac(byte[] key, String s) throws GeneralSecurityException {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(new SecretKeySpec(key, "HmacSHA256"));
        return m.doFinal(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Lower-case hex SHA-256, as {@code x-amz-content-sha256} carries it. */
    public static String sha256Hex(byte[] b) throws GeneralSecurityException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static String amzDate(Instant now) {
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(now);
    }

    static String scope(String amzDate) {
        return amzDate.substring(0, 8) + "/" + REGION + "/s3/aws4_request";
    }

    static byte[] signingKey(String secret, String amzDate) throws GeneralSecurityException {
        return hmac(hmac(hmac(hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), amzDate.substring(0, 8)), REGION), "s3"),
                "aws4_request");
    }

    /** The request's signature over {@code canonicalRequest}, hex. */
    static String sign(byte[] signingKey, String amzDate, String canonicalRequest) throws GeneralSecurityException {
        return HexFormat.of().formatHex(hmac(signingKey, "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope(amzDate) + "\n"
                + sha256Hex(canonicalRequest.getBytes(StandardCharsets.UTF_8))));
    }

    /** Writes {@code head} and {@code body} on a fresh connection (the head asks to close it) and returns the whole response. */
    static String exchange(int port, String head, byte[] body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * A path-style {@code PUT path?query} whose signed {@code x-amz-content-sha256} is
     * {@code declared}, whatever {@code body} is; returns the raw HTTP response. {@code query} is
     * already canonical (sorted, encoded) or empty.
     */
    public static String put(int port, String accessKeyId, String secret, Instant now, String path, String query, String declared,
            byte[] body) throws IOException, GeneralSecurityException {
        String amzDate = amzDate(now);
        String host = "127.0.0.1:" + port;
        String signedHeaders = "host;x-amz-content-sha256;x-amz-date";
        String canonical = "PUT\n" + path + "\n" + query + "\nhost:" + host + "\nx-amz-content-sha256:" + declared + "\nx-amz-date:" + amzDate
                + "\n\n" + signedHeaders + "\n" + declared;
        String auth = "AWS4-HMAC-SHA256 Credential=" + accessKeyId + "/" + scope(amzDate) + ", SignedHeaders=" + signedHeaders
                + ", Signature=" + sign(signingKey(secret, amzDate), amzDate, canonical);
        return exchange(port, "PUT " + path + (query.isEmpty() ? "" : "?" + query) + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: " + body.length
                + "\r\nx-amz-content-sha256: " + declared + "\r\nx-amz-date: " + amzDate + "\r\nAuthorization: " + auth
                + "\r\nConnection: close\r\n\r\n", body);
    }
}
