package io.stoq.fragmint.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** QUIC retry tokens: only this server's, only from the address and port they were minted for, only briefly. */
class QuicTokensTest {
    static final byte[] KEY = new byte[32];
    static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    final AtomicLong now = new AtomicLong(1_000_000);
    final QuicTokens tokens = new QuicTokens(KEY, now::get);

    ByteBuf mint(byte[] dcid, InetSocketAddress to) {
        ByteBuf out = Unpooled.buffer(tokens.maxTokenLength());
        assertThat(tokens.writeToken(out, Unpooled.wrappedBuffer(dcid), to)).isTrue();
        assertThat(out.readableBytes()).isLessThanOrEqualTo(tokens.maxTokenLength());
        return out;
    }

    @Test
    void aTokenIsAcceptedFromItsAddressAndCarriesTheOriginalConnectionId() {
        byte[] dcid = new byte[20];
        for (int i = 0; i < dcid.length; i++) {
            dcid[i] = (byte) (i * 7);
        }
        ByteBuf token = mint(dcid, CLIENT);
        int offset = tokens.validateToken(token.slice(), CLIENT);
        assertThat(offset).isPositive();
        byte[] odcid = new byte[token.readableBytes() - offset];
        token.getBytes(offset, odcid);
        assertThat(odcid).isEqualTo(dcid);
        now.addAndGet(QuicTokens.LIFETIME.toMillis());
        assertThat(tokens.validateToken(token.slice(), CLIENT)).as("valid to the end of its lifetime").isEqualTo(offset);
    }

    @Test
    void anotherAddressOrPortIsRefused() {
        ByteBuf token = mint(new byte[8], CLIENT);
        assertThat(tokens.validateToken(token.slice(), new InetSocketAddress("127.0.0.2", 40000))).isEqualTo(-1);
        assertThat(tokens.validateToken(token.slice(), new InetSocketAddress("127.0.0.1", 40001))).isEqualTo(-1);
    }

    @Test
    void everyFlippedBitIsRefused() {
        ByteBuf token = mint(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, CLIENT);
        for (int i = 0; i < token.readableBytes(); i++) {
            for (int bit = 0; bit < 8; bit++) {
                ByteBuf copy = token.copy();
                copy.setByte(i, copy.getByte(i) ^ (1 << bit));
                assertThat(tokens.validateToken(copy, CLIENT)).as("byte %d bit %d", i, bit).isEqualTo(-1);
            }
        }
    }

    @Test
    void expiredTokensAndOtherServersTokensAreRefused() {
        ByteBuf token = mint(new byte[8], CLIENT);
        now.addAndGet(QuicTokens.LIFETIME.toMillis() + 1);
        assertThat(tokens.validateToken(token.slice(), CLIENT)).isEqualTo(-1);

        byte[] otherKey = new byte[32];
        otherKey[0] = 1;
        QuicTokens other = new QuicTokens(otherKey, now::get);
        ByteBuf theirs = Unpooled.buffer(other.maxTokenLength());
        other.writeToken(theirs, Unpooled.wrappedBuffer(new byte[8]), CLIENT);
        assertThat(tokens.validateToken(theirs, CLIENT)).isEqualTo(-1);
    }

    @Test
    void malformedAndInsecureStyleTokensAreRefused() {
        assertThat(tokens.validateToken(Unpooled.EMPTY_BUFFER, CLIENT)).isEqualTo(-1);
        assertThat(tokens.validateToken(Unpooled.wrappedBuffer(new byte[10]), CLIENT)).isEqualTo(-1);
        assertThat(tokens.validateToken(Unpooled.wrappedBuffer(new byte[tokens.maxTokenLength() + 1]), CLIENT)).isEqualTo(-1);
        // Netty's InsecureQuicTokenHandler format: "netty" | address | dcid, forgeable by anyone.
        ByteBuf forged = Unpooled.buffer().writeBytes("netty".getBytes(StandardCharsets.US_ASCII))
                .writeBytes(CLIENT.getAddress().getAddress()).writeBytes(new byte[20]);
        assertThat(tokens.validateToken(forged, CLIENT)).isEqualTo(-1);
    }
}
