package io.stoq.fragmint.auth;

import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.hash.Sha3;
import io.stoq.fragmint.port.Role;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * User sessions: a person exchanges an API key plus a TOTP code for a short-lived bearer token
 * ({@code stqs_...}) that counts as second-factor-verified until it expires, so a console does not
 * ask for a code on every sensitive click. Sessions live in memory on purpose: a restart logs
 * everyone out, which is the safe failure. Only the SHA3-256 of a token is kept.
 *
 * <p>A session remembers what it was opened with (the key id, the role, a fingerprint of the TOTP
 * secret) so that {@link AccessControl} can end it on the first request after any of them changed,
 * instead of relying on an event that might be missed.
 *
 * <p>Thread-safe (a concurrent map; each session is immutable).
 */
public final class Sessions {
    /** Prefix that tells a session token from an API key. */
    public static final String PREFIX = "stqs_";

    private final ConcurrentHashMap<String, Session> byHash = new ConcurrentHashMap<>();
    private final Duration lifetime;
    private final Clock clock;

    public Sessions(Duration lifetime, Clock clock) {
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /**
     * A session.
     *
     * @param id public id (audit, revocation)
     * @param accountId owner
     * @param credentialId the API key id it was opened with
     * @param role the account's role when it was opened
     * @param totpFingerprint fingerprint of the TOTP secret its code was checked against
     * @param expiresAt end of validity
     */
    public record Session(String id, String accountId, String credentialId, Role role,
            String totpFingerprint, Instant expiresAt) {}

    /** A new session token (shown once) and its record. */
    public record Opened(String token, Session session) {
        @Override
        public String toString() {
            return "Opened[" + session + "]";
        }
    }

    /** Opens a session for an account that just proved key and TOTP code. */
    public Opened open(String accountId, String credentialId, Role role, String totpFingerprint) {
        purgeExpired();
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(SecureRandoms.bytes(32));
        String id = "s-" + Sha3.hash(token.getBytes(StandardCharsets.US_ASCII)).toHex().substring(0, 16);
        Session s = new Session(id, accountId, credentialId, role, totpFingerprint,
                clock.instant().plus(lifetime));
        byHash.put(hash(token), s);
        return new Opened(token, s);
    }

    /** The live session for {@code token}, empty when unknown or expired. */
    public Optional<Session> find(String token) {
        Session s = byHash.get(hash(token));
        if (s == null || !clock.instant().isBefore(s.expiresAt())) {
            return Optional.empty();
        }
        return Optional.of(s);
    }

    /** Ends the session of {@code token}; true when one was live. */
    public boolean close(String token) {
        return byHash.remove(hash(token)) != null;
    }

    /**
     * Ends every session of an account at once (role change, key revocation). Only a prompt
     * clean-up: {@link AccessControl} re-checks every session on every request anyway.
     */
    public void closeAll(String accountId) {
        byHash.values().removeIf(s -> s.accountId().equals(accountId));
    }

    private void purgeExpired() {
        Instant now = clock.instant();
        byHash.values().removeIf(s -> !now.isBefore(s.expiresAt()));
    }

    private static String hash(String token) {
        return Sha3.hash(token.getBytes(StandardCharsets.US_ASCII)).toHex();
    }
}
