package io.stoq.fragmint.port;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The digest of one asset version's whole plaintext, as clients check it: SHA-256 for every
 * version written since content digests moved to it (any {@code sha256sum} checks it, and it is
 * an RFC 9530 {@code Repr-Digest} algorithm), SHA3-256 for versions written before. Why the move:
 * docs/shard.md, "The content digest".
 *
 * @param algorithm {@link #SHA256} or {@link #SHA3}
 * @param hex the digest, 64 lowercase hex digits
 */
public record ContentDigest(String algorithm, String hex) {
    /** The API field and algorithm name of SHA-256 digests. */
    public static final String SHA256 = "sha256";
    /** The API field and algorithm name of SHA3-256 digests (versions written before SHA-256). */
    public static final String SHA3 = "sha3";

    public ContentDigest {
        if (!SHA256.equals(algorithm) && !SHA3.equals(algorithm)) {
            throw new IllegalArgumentException("unknown content digest algorithm " + algorithm);
        }
        if (hex.length() != 64 || !hex.equals(hex.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("a content digest is 64 lowercase hex digits, not " + hex);
        }
        HexFormat.of().parseHex(hex); // throws on a non-hex digit
    }

    /** The one of {@code sha256} and {@code sha3} that is set; both or neither is a bug. */
    public static ContentDigest of(@Nullable String sha256, @Nullable String sha3) {
        if ((sha256 == null) == (sha3 == null)) {
            throw new IllegalArgumentException("a version has exactly one content digest, sha256 or sha3");
        }
        return sha256 != null ? new ContentDigest(SHA256, sha256) : new ContentDigest(SHA3, sha3);
    }

    /** The response header that carries it: {@code X-Stoq-Sha256} or {@code X-Stoq-Sha3}. */
    public String headerName() {
        return SHA256.equals(algorithm) ? "X-Stoq-Sha256" : "X-Stoq-Sha3";
    }

    /**
     * The RFC 9530 {@code Repr-Digest} value ({@code sha-256=:base64:}), or null for SHA3-256,
     * which that registry does not list.
     */
    public @Nullable String reprDigest() {
        return SHA256.equals(algorithm) ? "sha-256=:" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex)) + ":" : null;
    }
}
