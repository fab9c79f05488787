package io.stoq.crypto.mac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Address tokens without Netty; the HTTP/3 port's adapter has its own test (QuicTokensTest in
 * fragmint-api: every flipped bit, other servers' tokens, Netty's insecure format).
 */
class AddressTokensTest {
    static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    final AtomicLong now = new AtomicLong(5_000);
    final AddressTokens tokens = new AddressTokens(new byte[32], now::get);

    @Test
    void aTokenCarriesTheConnectionIdAndExpires() {
        byte[] odcid = {9, 8, 7, 6, 5, 4, 3, 2};
        byte[] token = tokens.mint(CLIENT, odcid);
        assertThat(tokens.validate(token, CLIENT)).isEqualTo(AddressTokens.HEADER);
        assertThat(Arrays.copyOfRange(token, AddressTokens.HEADER, token.length)).isEqualTo(odcid);
        assertThat(tokens.validate(token, new InetSocketAddress("::1", 40000))).isEqualTo(-1);
        now.addAndGet(AddressTokens.LIFETIME.toMillis() + 1);
        assertThat(tokens.validate(token, CLIENT)).isEqualTo(-1);
    }

    @Test
    void aTokenFromTheFutureOrOfAnyOtherLengthIsRefused() {
        byte[] token = tokens.mint(CLIENT, new byte[20]);
        assertThat(token).hasSize(tokens.maxLength());
        now.addAndGet(-1); // minted "later" than now + LIFETIME: not this process's clock
        assertThat(tokens.validate(token, CLIENT)).isEqualTo(-1);
        now.addAndGet(1);
        assertThat(tokens.validate(Arrays.copyOf(token, token.length + 1), CLIENT)).isEqualTo(-1);
        assertThat(tokens.validate(Arrays.copyOf(token, AddressTokens.HEADER - 1), CLIENT)).isEqualTo(-1);
        assertThatThrownBy(() -> tokens.mint(CLIENT, new byte[21])).isInstanceOf(IllegalArgumentException.class);
    }
}
