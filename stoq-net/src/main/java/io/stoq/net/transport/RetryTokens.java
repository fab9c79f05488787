package io.stoq.net.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.quic.QuicTokenHandler;
import io.stoq.crypto.mac.AddressTokens;
import java.net.InetSocketAddress;

/**
 * The peer port's QUIC retry tokens ({@link AddressTokens}, random key per process), so the
 * per-address handshake limit cannot be charged to a spoofed source.
 */
final class RetryTokens implements QuicTokenHandler {
    private final AddressTokens tokens = new AddressTokens();

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
