package io.stoq.fragmint.http;

import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Nullable;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Reads the SHA-256 a client declares for an upload's body from RFC 9530's {@code Content-Digest}
 * and {@code Repr-Digest} request fields (a dictionary: {@code sha-256=:<base64>:, sha-512=:...:}).
 * An upload carries no content coding, so the two describe the same bytes; a client may send
 * either or both. Other algorithms are ignored, as RFC 9530 allows; a {@code sha-256} member that
 * is not 32 bytes of base64, or two that disagree, is a 400, so a client that asked for a check
 * never gets an unchecked upload.
 */
final class DigestFields {
    /** Longer fields are refused rather than parsed: a digest dictionary is a few dozen bytes. */
    private static final int MAX_FIELD = 1024;

    private DigestFields() {}

    /** The declared SHA-256 as 64 lowercase hex digits, or null when the request declares none. */
    static @Nullable String sha256(HttpHeaders headers) throws ApiException {
        String found = null;
        for (String name : List.of("Content-Digest", "Repr-Digest")) {
            for (String field : headers.getAll(name)) {
                if (field.length() > MAX_FIELD) {
                    throw ApiException.badRequest(name + " is longer than " + MAX_FIELD + " characters");
                }
                for (String member : field.split(",")) {
                    String d = sha256Member(name, member.strip());
                    if (d != null && found != null && !found.equals(d)) {
                        throw ApiException.badRequest("the request declares two different sha-256 digests");
                    }
                    found = d != null ? d : found;
                }
            }
        }
        return found;
    }

    /** One dictionary member: its digest as hex when it is {@code sha-256}, else null. */
    private static @Nullable String sha256Member(String name, String m) throws ApiException {
        int eq = m.indexOf('=');
        if (eq <= 0) {
            throw ApiException.badRequest(name + " must be a list of algorithm=:base64: members (RFC 9530), not '" + m + "'");
        }
        if (!m.substring(0, eq).strip().toLowerCase(Locale.ROOT).equals("sha-256")) {
            return null;
        }
        String value = m.substring(eq + 1).strip();
        int semi = value.indexOf(';'); // structured-field parameters carry nothing we use
        if (semi >= 0) {
            value = value.substring(0, semi).strip();
        }
        byte[] digest;
        try {
            if (value.length() < 2 || value.charAt(0) != ':' || value.charAt(value.length() - 1) != ':') {
                throw new IllegalArgumentException("not a byte sequence");
            }
            digest = Base64.getDecoder().decode(value.substring(1, value.length() - 1));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(name + ": sha-256 must be :<base64>: (RFC 9530), not '" + value + "'");
        }
        if (digest.length != 32) {
            throw ApiException.badRequest(name + ": sha-256 must be 32 bytes, not " + digest.length);
        }
        return HexFormat.of().formatHex(digest);
    }
}
