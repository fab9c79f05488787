package io.stoq.fragmint.s3;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 as S3 checks it, in both forms: the {@code Authorization} header and the
 * presigned query ({@code X-Amz-Signature}). The request is canonicalised exactly as received
 * (method, path, query, the headers the client signed, the payload hash it declared), the
 * signature recomputed with the account's secret and compared in constant time.
 *
 * <p>Why not a library: the AWS SDK's signer computes signatures for requests it builds; verifying
 * needs the canonical request of the bytes as received, which the SDK does not expose for a
 * server. The algorithm is small and fully specified
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html); the tests check
 * it against the SDK's own signer and aws-cli (docs/dependencies.md).
 *
 * <p>Stateless and thread-safe.
 */
public final class SigV4 {
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    public static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    public static final String STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    public static final String STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    public static final String STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    /** Longest presign validity AWS allows (7 days). */
    public static final Duration MAX_PRESIGN = Duration.ofDays(7);

    private SigV4() {}

    /**
     * What the signature established.
     *
     * @param accessKeyId the key that signed
     * @param seedSignature the request's signature (hex): the first "previous signature" of aws-chunked
     * @param signingKey the derived key, for chunk signatures
     * @param amzDate the request time as signed ({@code yyyyMMddTHHmmssZ})
     * @param scope {@code date/region/s3/aws4_request}
     * @param payloadHash the declared payload hash ({@code x-amz-content-sha256}, or UNSIGNED-PAYLOAD)
     */
    public record Verified(String accessKeyId, String seedSignature, byte[] signingKey, String amzDate, String scope,
            String payloadHash) {}

    /** The parsed credential part of a request, before the secret is known. */
    public record Claim(String accessKeyId, String date, String region, String service, String amzDate,
            List<String> signedHeaders, String signature, boolean presigned, long expiresSeconds) {
        String scope() {
            return date + "/" + region + "/" + service + "/aws4_request";
        }
    }

    /** Whether the request carries SigV4 credentials at all (header or query). */
    public static boolean signed(S3Request req) {
        String auth = req.header("authorization");
        return auth != null || req.param("X-Amz-Signature") != null || req.param("X-Amz-Credential") != null;
    }

    /** Parses the credential of a header-signed or presigned request. */
    public static Claim claim(S3Request req) throws S3Exception {
        String auth = req.header("authorization");
        if (auth != null) {
            if (!auth.startsWith(ALGORITHM + " ")) {
                throw new S3Exception(S3Error.AUTHORIZATION_HEADER_MALFORMED,
                        "only AWS Signature Version 4 (" + ALGORITHM + ") is supported");
            }
            String credential = null;
            String signedHeaders = null;
            String signature = null;
            for (String part : auth.substring(ALGORITHM.length() + 1).split(",")) {
                String p = part.trim();
                if (p.startsWith("Credential=")) {
                    credential = p.substring(11);
                } else if (p.startsWith("SignedHeaders=")) {
                    signedHeaders = p.substring(14);
                } else if (p.startsWith("Signature=")) {
                    signature = p.substring(10);
                }
            }
            if (credential == null || signedHeaders == null || signature == null) {
                throw new S3Exception(S3Error.AUTHORIZATION_HEADER_MALFORMED,
                        "the Authorization header needs Credential, SignedHeaders and Signature");
            }
            String amzDate = req.header("x-amz-date");
            if (amzDate == null) {
                amzDate = req.header("date");
            }
            if (amzDate == null) {
                throw new S3Exception(S3Error.ACCESS_DENIED, "the request has no X-Amz-Date or Date header");
            }
            return claim(credential, signedHeaders, signature, amzDate, false, 0, S3Error.AUTHORIZATION_HEADER_MALFORMED);
        }
        String alg = req.param("X-Amz-Algorithm");
        if (!ALGORITHM.equals(alg)) {
            throw new S3Exception(S3Error.AUTHORIZATION_QUERY_MALFORMED, "X-Amz-Algorithm must be " + ALGORITHM);
        }
        String credential = req.param("X-Amz-Credential");
        String signedHeaders = req.param("X-Amz-SignedHeaders");
        String signature = req.param("X-Amz-Signature");
        String amzDate = req.param("X-Amz-Date");
        String expires = req.param("X-Amz-Expires");
        if (credential == null || signedHeaders == null || signature == null || amzDate == null || expires == null) {
            throw new S3Exception(S3Error.AUTHORIZATION_QUERY_MALFORMED,
                    "a presigned URL needs X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature");
        }
        long seconds;
        try {
            seconds = Long.parseLong(expires);
        } catch (NumberFormatException e) {
            throw new S3Exception(S3Error.AUTHORIZATION_QUERY_MALFORMED, "X-Amz-Expires must be a number of seconds");
        }
        if (seconds < 1 || seconds > MAX_PRESIGN.toSeconds()) {
            throw new S3Exception(S3Error.AUTHORIZATION_QUERY_MALFORMED, "X-Amz-Expires must be 1 to 604800 seconds");
        }
        return claim(credential, signedHeaders, signature, amzDate, true, seconds, S3Error.AUTHORIZATION_QUERY_MALFORMED);
    }

    private static Claim claim(String credential, String signedHeaders, String signature, String amzDate, boolean presigned,
            long expires, S3Error malformed) throws S3Exception {
        String[] c = credential.split("/");
        if (c.length != 5 || !"aws4_request".equals(c[4])) {
            throw new S3Exception(malformed, "the credential must be ACCESS_KEY/yyyyMMdd/region/s3/aws4_request");
        }
        List<String> headers = List.of(signedHeaders.toLowerCase(Locale.ROOT).split(";"));
        if (!headers.contains("host")) {
            throw new S3Exception(malformed, "the signed headers must include host");
        }
        return new Claim(c[0], c[1], c[2], c[3], amzDate, headers, signature.toLowerCase(Locale.ROOT), presigned, expires);
    }

    /**
     * Checks {@code claim} against the request with the key's secret: time (skew for the header
     * form, expiry for presigned), scope, then the signature in constant time.
     */
    public static Verified verify(S3Request req, Claim claim, String secret, Instant now, Duration maxSkew) throws S3Exception {
        Instant signedAt;
        try {
            signedAt = Instant.from(AMZ_DATE.parse(claim.amzDate()));
        } catch (DateTimeParseException e) {
            try {
                signedAt = Instant.from(DateTimeFormatter.RFC_1123_DATE_TIME.parse(claim.amzDate()));
            } catch (DateTimeParseException e2) {
                throw new S3Exception(S3Error.ACCESS_DENIED, "the request date '" + claim.amzDate() + "' is not yyyyMMddTHHmmssZ");
            }
        }
        String amzDate = AMZ_DATE.format(signedAt);
        if (!amzDate.startsWith(claim.date())) {
            throw new S3Exception(S3Error.SIGNATURE_DOES_NOT_MATCH, "the credential's date does not match the request date");
        }
        if (!"s3".equals(claim.service())) {
            throw new S3Exception(S3Error.SIGNATURE_DOES_NOT_MATCH, "the credential's service must be s3");
        }
        if (claim.presigned()) {
            if (now.isAfter(signedAt.plusSeconds(claim.expiresSeconds()))) {
                throw new S3Exception(S3Error.EXPIRED_TOKEN, "Request has expired");
            }
            if (signedAt.isAfter(now.plus(maxSkew))) {
                throw new S3Exception(S3Error.REQUEST_TIME_TOO_SKEWED, "the presigned request is dated in the future");
            }
        } else if (Duration.between(signedAt, now).abs().compareTo(maxSkew) > 0) {
            throw new S3Exception(S3Error.REQUEST_TIME_TOO_SKEWED,
                    "The difference between the request time and the server's time is too large");
        }
        String payloadHash;
        if (claim.presigned()) {
            payloadHash = UNSIGNED_PAYLOAD;
        } else {
            payloadHash = req.header("x-amz-content-sha256");
            if (payloadHash == null) {
                payloadHash = EMPTY_SHA256; // SigV4 outside S3 hashes the body; S3 requires the header for uploads (checked by the caller)
            }
        }
        String canonical = canonicalRequest(req, claim, payloadHash);
        String stringToSign = ALGORITHM + "\n" + claim.amzDate() + "\n" + claim.scope() + "\n" + hex(sha256(canonical));
        byte[] key = signingKey(secret, claim.date(), claim.region(), claim.service());
        String expected = hex(hmac(key, stringToSign));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), claim.signature().getBytes(StandardCharsets.US_ASCII))) {
            throw new S3Exception(S3Error.SIGNATURE_DOES_NOT_MATCH,
                    "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
        }
        return new Verified(claim.accessKeyId(), expected, key, claim.amzDate(), claim.scope(), payloadHash);
    }

    static String canonicalRequest(S3Request req, Claim claim, String payloadHash) {
        StringBuilder sb = new StringBuilder(512);
        sb.append(req.method()).append('\n');
        sb.append(encodePath(S3Request.decode(req.rawPath()))).append('\n');
        List<String[]> params = new ArrayList<>();
        for (Map.Entry<String, String> e : req.query()) {
            if (claim.presigned() && e.getKey().equals("X-Amz-Signature")) {
                continue;
            }
            params.add(new String[] {uriEncode(e.getKey(), true), uriEncode(e.getValue(), true)});
        }
        params.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        for (int i = 0; i < params.size(); i++) {
            sb.append(i == 0 ? "" : "&").append(params.get(i)[0]).append('=').append(params.get(i)[1]);
        }
        sb.append('\n');
        for (String h : claim.signedHeaders()) {
            List<String> values = req.headers().getAll(h);
            StringBuilder v = new StringBuilder();
            for (int i = 0; i < values.size(); i++) {
                v.append(i == 0 ? "" : ",").append(values.get(i).strip().replaceAll(" +", " "));
            }
            sb.append(h).append(':').append(v).append('\n');
        }
        sb.append('\n').append(String.join(";", claim.signedHeaders())).append('\n').append(payloadHash);
        return sb.toString();
    }

    /** S3's canonical URI: every byte but unreserved characters and '/' percent-encoded, once. */
    static String encodePath(String path) {
        return uriEncode(path, false);
    }

    /** AWS's UriEncode: unreserved characters stay, everything else is %XX of its UTF-8 bytes. */
    public static String uriEncode(String s, boolean encodeSlash) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
                    || c == '~' || (c == '/' && !encodeSlash)) {
                sb.append(c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    /** The SigV4 signing key for a day, region and service. */
    public static byte[] signingKey(String secret, String date, String region, String service) {
        byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        k = hmac(k, region);
        k = hmac(k, service);
        return hmac(k, "aws4_request");
    }

    static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    static byte[] sha256(String s) {
        return sha256().digest(s.getBytes(StandardCharsets.UTF_8));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** Constant-time comparison of two hex signatures. */
    static boolean sameSignature(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
    }
}
