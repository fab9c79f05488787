package io.stoq.fragmint.s3;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.BodyAbortedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/**
 * Decodes an {@code aws-chunked} request body (S3's streaming upload) into the object's bytes:
 *
 * <pre>
 *   hex-size[;chunk-signature=sig] CRLF  data  CRLF   ... repeated ...
 *   0[;chunk-signature=sig] CRLF  [trailer-name:value CRLF ...  [x-amz-trailer-signature:sig CRLF]]  CRLF
 * </pre>
 *
 * With a signed payload each chunk's signature chains from the previous one (the first from the
 * request's seed signature) and is checked, in constant time, before any byte of the chunk is
 * released; so a chunk is held whole (at most {@link #MAX_CHUNK}) while it is checked. A wrong
 * signature, a malformed frame, a missing final chunk, a bad trailer checksum or a body that
 * does not decode to {@code x-amz-decoded-content-length} bytes fail the read with
 * {@link BodyAbortedException}: the service then commits nothing. The reason is kept for the
 * error response ({@link #failure()}).
 *
 * <p>Trailing checksums ({@code x-amz-checksum-crc32}, {@code -crc32c}, {@code -sha1},
 * {@code -sha256}) are computed as the bytes pass and compared at the end; other algorithms are
 * refused up front by the gateway.
 *
 * <p>Not thread-safe: one reader (the upload's worker).
 */
final class AwsChunkedStream extends InputStream {
    /** Largest chunk accepted (SDKs send 64 KiB to 1 MiB; aws-cli 8 MiB parts in 64 KiB chunks). */
    static final int MAX_CHUNK = 16 << 20;
    private static final int MAX_LINE = 4096;

    private final InputStream in;
    private final SigV4.Verified auth;
    private final boolean signed;
    private final long decodedLength;
    private final String trailerName;
    private final Checksum trailerChecksum;
    private final MessageDigest trailerDigest;
    private String previousSignature;
    private byte[] chunk = new byte[0];
    private int pos;
    private long total;
    private boolean done;
    private S3Exception failure;

    /**
     * @param signed true for {@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]}: chunk signatures are required
     * @param decodedLength the object's size from {@code x-amz-decoded-content-length}, or -1
     * @param trailerName the announced {@code x-amz-trailer}, lower case, or null
     */
    AwsChunkedStream(InputStream in, SigV4.Verified auth, boolean signed, long decodedLength, String trailerName) {
        this.in = in;
        this.auth = auth;
        this.signed = signed;
        this.decodedLength = decodedLength;
        this.trailerName = trailerName;
        this.previousSignature = auth.seedSignature();
        this.trailerChecksum = trailerName == null ? null : switch (trailerName) {
            case "x-amz-checksum-crc32" -> new CRC32();
            case "x-amz-checksum-crc32c" -> new CRC32C();
            default -> null;
        };
        this.trailerDigest = trailerName == null ? null : switch (trailerName) {
            case "x-amz-checksum-sha1" -> digest("SHA-1");
            case "x-amz-checksum-sha256" -> digest("SHA-256");
            default -> null;
        };
    }

    /** Trailer checksums the decoder can verify. */
    static boolean supportedTrailer(String name) {
        return name.equals("x-amz-checksum-crc32") || name.equals("x-amz-checksum-crc32c") || name.equals("x-amz-checksum-sha1")
                || name.equals("x-amz-checksum-sha256");
    }

    private static MessageDigest digest(String alg) {
        try {
            return MessageDigest.getInstance(alg);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(alg + " is part of every JDK", e);
        }
    }

    /** Why decoding failed, or null. */
    S3Exception failure() {
        return failure;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (pos == chunk.length) {
            if (done) {
                return -1;
            }
            nextChunk();
        }
        int n = Math.min(len, chunk.length - pos);
        System.arraycopy(chunk, pos, b, off, n);
        pos += n;
        return n;
    }

    private void nextChunk() throws IOException {
        String header = line();
        int semi = header.indexOf(';');
        String sizeHex = (semi < 0 ? header : header.substring(0, semi)).trim();
        String chunkSignature = null;
        if (semi >= 0) {
            String ext = header.substring(semi + 1).trim();
            if (ext.startsWith("chunk-signature=")) {
                chunkSignature = ext.substring(16);
            }
        }
        int size;
        try {
            long s = Long.parseLong(sizeHex, 16);
            if (s < 0 || s > MAX_CHUNK) {
                throw fail(S3Error.INVALID_ARGUMENT, "an aws-chunked chunk of " + s + " bytes is over the limit of " + MAX_CHUNK);
            }
            size = (int) s;
        } catch (NumberFormatException e) {
            throw fail(S3Error.INCOMPLETE_BODY, "malformed aws-chunked chunk header");
        }
        byte[] data = in.readNBytes(size);
        if (data.length != size) {
            throw fail(S3Error.INCOMPLETE_BODY, "the aws-chunked body ended inside a chunk");
        }
        if (signed) {
            if (chunkSignature == null) {
                throw fail(S3Error.SIGNATURE_DOES_NOT_MATCH, "an aws-chunked chunk has no chunk-signature");
            }
            String toSign = "AWS4-HMAC-SHA256-PAYLOAD\n" + auth.amzDate() + "\n" + auth.scope() + "\n" + previousSignature + "\n"
                    + SigV4.EMPTY_SHA256 + "\n" + SigV4.hex(SigV4.sha256().digest(data));
            String expected = SigV4.hex(SigV4.hmac(auth.signingKey(), toSign));
            if (!SigV4.sameSignature(expected, chunkSignature)) {
                throw fail(S3Error.SIGNATURE_DOES_NOT_MATCH, "the signature of an aws-chunked chunk does not match");
            }
            previousSignature = expected;
        }
        if (size > 0) {
            if (trailerChecksum != null) {
                trailerChecksum.update(data, 0, size);
            }
            if (trailerDigest != null) {
                trailerDigest.update(data);
            }
            String end = line();
            if (!end.isEmpty()) {
                throw fail(S3Error.INCOMPLETE_BODY, "an aws-chunked chunk is not followed by CRLF");
            }
            total += size;
            if (decodedLength >= 0 && total > decodedLength) {
                throw fail(S3Error.INCOMPLETE_BODY, "the aws-chunked body is longer than x-amz-decoded-content-length");
            }
            chunk = data;
            pos = 0;
            return;
        }
        finish();
    }

    private void finish() throws IOException {
        Map<String, String> trailers = new LinkedHashMap<>();
        String trailerSignature = null;
        while (true) {
            String l = line();
            if (l.isEmpty()) {
                break;
            }
            int colon = l.indexOf(':');
            if (colon < 0) {
                throw fail(S3Error.INCOMPLETE_BODY, "malformed aws-chunked trailer line");
            }
            String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = l.substring(colon + 1).trim();
            if (name.equals("x-amz-trailer-signature")) {
                trailerSignature = value;
            } else {
                trailers.put(name, value);
            }
            if (trailers.size() > 8) {
                throw fail(S3Error.INVALID_ARGUMENT, "too many aws-chunked trailers");
            }
        }
        if (trailerName != null) {
            String value = trailers.get(trailerName);
            if (value == null) {
                throw fail(S3Error.INVALID_REQUEST, "the announced trailer " + trailerName + " is missing");
            }
            if (signed) {
                StringBuilder canon = new StringBuilder();
                for (Map.Entry<String, String> t : trailers.entrySet()) {
                    canon.append(t.getKey()).append(':').append(t.getValue()).append('\n');
                }
                String toSign = "AWS4-HMAC-SHA256-TRAILER\n" + auth.amzDate() + "\n" + auth.scope() + "\n" + previousSignature + "\n"
                        + SigV4.hex(SigV4.sha256(canon.toString()));
                String expected = SigV4.hex(SigV4.hmac(auth.signingKey(), toSign));
                if (trailerSignature == null || !SigV4.sameSignature(expected, trailerSignature)) {
                    throw fail(S3Error.SIGNATURE_DOES_NOT_MATCH, "the aws-chunked trailer signature does not match");
                }
            }
            byte[] actual;
            if (trailerChecksum != null) {
                long v = trailerChecksum.getValue();
                actual = new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
            } else {
                actual = trailerDigest.digest();
            }
            if (!Base64.getEncoder().encodeToString(actual).equals(value)) {
                throw fail(S3Error.BAD_DIGEST, "the " + trailerName + " trailer does not match the uploaded bytes");
            }
        }
        if (decodedLength >= 0 && total != decodedLength) {
            throw fail(S3Error.INCOMPLETE_BODY, "the aws-chunked body decoded to " + total + " bytes, not the declared " + decodedLength);
        }
        done = true;
        chunk = new byte[0];
        pos = 0;
    }

    private String line() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(80);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw fail(S3Error.INCOMPLETE_BODY, "the aws-chunked body ended before its final chunk");
            }
            if (c == '\r') {
                int n = in.read();
                if (n != '\n') {
                    throw fail(S3Error.INCOMPLETE_BODY, "malformed aws-chunked line ending");
                }
                return out.toString(StandardCharsets.ISO_8859_1);
            }
            out.write(c);
            if (out.size() > MAX_LINE) {
                throw fail(S3Error.INCOMPLETE_BODY, "an aws-chunked line is too long");
            }
        }
    }

    private BodyAbortedException fail(S3Error error, String message) {
        failure = new S3Exception(error, message);
        return new BodyAbortedException(ApiError.BAD_REQUEST, message);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
