package io.stoq.net.transport;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicTokenHandler;
import io.stoq.crypto.SecureRandoms;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * QUIC address validation (RFC 9000 s.8.1) for the peer port: a new connection's first Initial
 * is answered with a Retry whose token only this process can mint, and only an Initial echoing
 * a valid token from the same address and port creates a connection. So the per-address
 * handshake limit cannot be charged to a spoofed source.
 *
 * <pre>
 * token = version(1) | expiry(8, ms, monotonic) | tag(16) | original destination connection id
 * tag   = first 16 bytes of HMAC-SHA256(key, version | expiry | address | port(2) | odcid)
 * </pre>
 *
 * The key is random per process; tokens live {@link #LIFETIME}. Thread-safe.
 */
final class RetryTokens implements QuicTokenHandler {
    static final Duration LIFETIME = Duration.ofSeconds(10);
    private static final byte VERSION = 1;
    private static final int TAG = 16;
    private static final int HEADER = 1 + 8 + TAG;

    private final SecretKeySpec key = new SecretKeySpec(SecureRandoms.bytes(32), "HmacSHA256");

    private static long now() {
        return System.nanoTime() / 1_000_000;
    }

    @Override
    public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
        long expiry = now() + LIFETIME.toMillis();
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
        long now = now();
        if (now > expiry || expiry - now > LIFETIME.toMillis()) {
            return -1;
        }
        byte[] tag = new byte[TAG];
        token.getBytes(start + 9, tag);
        byte[] odcid = new byte[length - HEADER];
        token.getBytes(start + HEADER, odcid);
        return MessageDigest.isEqual(tag, tag(expiry, address, odcid)) ? HEADER : -1;
    }

    @Override
    public int maxTokenLength() {
        return HEADER + Quic.MAX_CONN_ID_LEN;
    }

    private byte[] tag(long expiry, InetSocketAddress address, byte[] odcid) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(ByteBuffer.allocate(9).put(VERSION).putLong(expiry).array());
            mac.update(address.getAddress().getAddress());
            mac.update((byte) (address.getPort() >>> 8));
            mac.update((byte) address.getPort());
            mac.update(odcid);
            byte[] tag = new byte[TAG];
            System.arraycopy(mac.doFinal(), 0, tag, 0, TAG);
            return tag;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
