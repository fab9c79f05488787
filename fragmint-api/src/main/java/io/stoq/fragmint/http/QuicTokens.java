package io.stoq.fragmint.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.quic.QuicTokenHandler;
import io.stoq.crypto.mac.AddressTokens;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The HTTP/3 port's QUIC retry tokens ({@link AddressTokens}: only this server can mint them,
 * only from the address and port they were minted for, only briefly), so a connection and the
 * per-address caps of {@link ConnectionLimiter} cannot be charged to a spoofed source. Netty
 * passes each token as a fresh slice (reader index 0).
 */
final class QuicTokens implements QuicTokenHandler {
    /** How long a retry token is accepted. */
    static final Duration LIFETIME = AddressTokens.LIFETIME;

    private final AddressTokens tokens;

    QuicTokens() {
        this.tokens = new AddressTokens();
    }

    /** For tests: a fixed key and clock. */
    QuicTokens(byte[] key, LongSupplier nowMillis) {
        this.tokens = new AddressTokens(key, nowMillis);
    }

    @Override
    public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
        out.writeBytes(tokens.mint(address, ByteBufUtil.getBytes(dcid)));
        return true;
    }

    @Override
    public int validateToken(ByteBuf token, InetSocketAddress address) {
        // Length first, so an oversized token is not copied.
        return token.readableBytes() > tokens.maxLength() ? -1 : tokens.validate(ByteBufUtil.getBytes(token), address);
    }

    @Override
    public int maxTokenLength() {
        return tokens.maxLength();
    }
}
