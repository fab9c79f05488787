package io.stoq.fragmint.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicTokenHandler;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * QUIC address validation (RFC 9000 s.8.1) with retry tokens that only this server can mint: a
 * new connection's first Initial gets a Retry carrying a token, and only an Initial that echoes a
 * valid token from the same address and port creates a connection. So a connection (and the
 * per-address caps of {@link ConnectionLimiter}) cannot be charged to a spoofed source, and the
 * server sends nothing large to an address that did not ask. Replaces Netty's
 * {@code InsecureQuicTokenHandler}, whose tokens anyone can forge (they are the address in
 * clear).
 *
 * <pre>
 * token = version(1) | expiry(8, ms on this server's monotonic clock) | tag(16) | odcid(0..20)
 * tag   = HMAC-SHA256(key, version | expiry | address bytes | port(2) | odcid), first 16 bytes
 * </pre>
 *
 * <p>The key is random per server start: a token lives {@link #LIFETIME} (a Retry is answered
 * within a round trip), so nothing needs to survive a restart. A token can be replayed from the
 * same address within its lifetime, which only lets that address do what it already proved it
 * can. Netty passes each token as a fresh slice (reader index 0).
 *
 * <p>Thread-safe: {@link Mac} instances are per call (cheap next to a QUIC handshake).
 */
final class QuicTokens implements QuicTokenHandler {
    /** How long a retry token is accepted. */
    static final Duration LIFETIME = Duration.ofSeconds(10);
    private static final byte VERSION = 1;
    private static final int TAG = 16;
    private static final int HEADER = 1 + 8 + TAG;

    private final SecretKeySpec key;
    private final LongSupplier nowMillis;

    QuicTokens() {
        this(randomKey(), () -> System.nanoTime() / 1_000_000);
    }

    /** For tests: a fixed key and clock. */
    QuicTokens(byte[] key, LongSupplier nowMillis) {
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
        this.nowMillis = nowMillis;
    }

    private static byte[] randomKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return k;
    }

    @Override
    public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
        long expiry = nowMillis.getAsLong() + LIFETIME.toMillis();
        byte[] odcid = new byte[dcid.readableBytes()];
        dcid.getBytes(dcid.readerIndex(), odcid);
        out.writeByte(VERSION).writeLong(expiry).writeBytes(tag(expiry, address, odcid)).writeBytes(odcid);
        return true;
    }

    @Override
    public int validateToken(ByteBuf token, InetSocketAddress address) {
        int start = token.readerIndex();
        int length = token.readableBytes();
        if (length < HEADER || length > maxTokenLength() || token.getByte(start) != VERSION) {
            return -1;
        }
        long expiry = token.getLong(start + 1);
        long now = nowMillis.getAsLong();
        if (now > expiry || expiry - now > LIFETIME.toMillis()) {
            return -1;
        }
        byte[] tag = new byte[TAG];
        token.getBytes(start + 9, tag);
        byte[] odcid = new byte[length - HEADER];
        token.getBytes(start + HEADER, odcid);
        if (!MessageDigest.isEqual(tag, tag(expiry, address, odcid))) {
            return -1;
        }
        return HEADER;
    }

    @Override
    public int maxTokenLength() {
        return HEADER + Quic.MAX_CONN_ID_LEN;
    }

    private byte[] tag(long expiry, InetSocketAddress address, byte[] odcid) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] addr = address.getAddress().getAddress();
            mac.update(ByteBuffer.allocate(1 + 8).put(VERSION).putLong(expiry).array());
            mac.update(addr);
            mac.update((byte) (address.getPort() >>> 8));
            mac.update((byte) address.getPort());
            mac.update(odcid);
            byte[] full = mac.doFinal();
            byte[] tag = new byte[TAG];
            System.arraycopy(full, 0, tag, 0, TAG);
            return tag;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
