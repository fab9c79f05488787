package io.stoq.crypto.mac;

import io.stoq.crypto.SecureRandoms;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * QUIC address validation tokens (RFC 9000 s.8.1) that only this process can mint: a server
 * answers a new connection's first Initial with a Retry carrying a token, and creates a
 * connection only for an Initial that echoes a valid token from the same address and port. So
 * nothing (a connection, a per-address cap, a large handshake reply) can be charged to a spoofed
 * source. Used by the API's HTTP/3 port and the STOQ peer port, each through a small Netty
 * {@code QuicTokenHandler}; Netty's {@code InsecureQuicTokenHandler} is not, because its tokens
 * are the address in clear and anyone can forge them.
 *
 * <pre>
 * token = version(1) | expiry(8, ms on this process's monotonic clock) | tag(16) | odcid(0..20)
 * tag   = first 16 bytes of HMAC-SHA256(key, version | expiry | address bytes | port(2) | odcid)
 * </pre>
 *
 * <p>The key is random per process start: a token lives {@link #LIFETIME} (a Retry is answered
 * within a round trip), so nothing needs to survive a restart. A token can be replayed from the
 * same address within its lifetime, which only lets that address do what it already proved it
 * can. Thread-safe: a {@link Mac} per call (cheap next to a QUIC handshake).
 */
public final class AddressTokens {
    /** How long a token is accepted. */
    public static final Duration LIFETIME = Duration.ofSeconds(10);
    /** QUIC's longest connection id (RFC 9000 s.17.2). */
    private static final int MAX_CONNECTION_ID = 20;
    private static final byte VERSION = 1;
    private static final int TAG = 16;
    /** Bytes before the original destination connection id. */
    public static final int HEADER = 1 + 8 + TAG;

    private final SecretKeySpec key;
    private final LongSupplier nowMillis;

    /** A random key and the monotonic clock: what servers use. */
    public AddressTokens() {
        this(SecureRandoms.bytes(32), () -> System.nanoTime() / 1_000_000);
    }

    /** For tests: a fixed key and clock. */
    public AddressTokens(byte[] key, LongSupplier nowMillis) {
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
        this.nowMillis = nowMillis;
    }

    /** The longest token {@link #mint} makes and {@link #validate} accepts. */
    public int maxLength() {
        return HEADER + MAX_CONNECTION_ID;
    }

    /** A token for {@code address}, carrying the original destination connection id. */
    public byte[] mint(InetSocketAddress address, byte[] odcid) {
        if (odcid.length > MAX_CONNECTION_ID) {
            throw new IllegalArgumentException("a QUIC connection id has at most 20 bytes, got " + odcid.length);
        }
        long expiry = nowMillis.getAsLong() + LIFETIME.toMillis();
        return ByteBuffer.allocate(HEADER + odcid.length).put(VERSION).putLong(expiry).put(tag(expiry, address, odcid))
                .put(odcid).array();
    }

    /**
     * {@link #HEADER} (where the original connection id starts) if {@code token} was minted by
     * this process for {@code address} and has not expired; -1 for anything else, malformed
     * input included.
     */
    public int validate(byte[] token, InetSocketAddress address) {
        if (token.length < HEADER || token.length > maxLength() || token[0] != VERSION) {
            return -1;
        }
        long expiry = ByteBuffer.wrap(token, 1, 8).getLong();
        long now = nowMillis.getAsLong();
        if (now > expiry || expiry - now > LIFETIME.toMillis()) {
            return -1;
        }
        byte[] tag = Arrays.copyOfRange(token, 9, HEADER);
        byte[] odcid = Arrays.copyOfRange(token, HEADER, token.length);
        return MessageDigest.isEqual(tag, tag(expiry, address, odcid)) ? HEADER : -1;
    }

    private byte[] tag(long expiry, InetSocketAddress address, byte[] odcid) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(ByteBuffer.allocate(1 + 8).put(VERSION).putLong(expiry).array());
            mac.update(address.getAddress().getAddress());
            mac.update((byte) (address.getPort() >>> 8));
            mac.update((byte) address.getPort());
            mac.update(odcid);
            return Arrays.copyOf(mac.doFinal(), TAG);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
