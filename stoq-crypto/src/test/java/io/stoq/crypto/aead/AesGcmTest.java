package io.stoq.crypto.aead;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.Hex;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class AesGcmTest {
    private static byte[] h(String hex) {
        return Hex.decode(hex);
    }

    // McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13, 14 and 16 (AES-256).
    @Test
    void gcmSpecTestCase13EmptyPlaintext() throws Exception {
        byte[] sealed = AesGcm.seal(new byte[32], new byte[12], null, new byte[0], 0, 0);
        assertThat(Hex.encode(Arrays.copyOfRange(sealed, 12, sealed.length))).isEqualTo("530f8afbc74536b9a963b4f1c4cb738b");
    }

    @Test
    void gcmSpecTestCase14() throws Exception {
        byte[] sealed = AesGcm.seal(new byte[32], new byte[12], null, new byte[16], 0, 16);
        assertThat(Hex.encode(Arrays.copyOfRange(sealed, 12, sealed.length)))
                .isEqualTo("cea7403d4d606b6e074ec5d3baf39d18" + "d0d1c8a799996bf0265b98b5d48ab919");
    }

    @Test
    void gcmSpecTestCase16WithAad() throws Exception {
        byte[] key = h("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        byte[] iv = h("cafebabefacedbaddecaf888");
        byte[] plain = h("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        byte[] aad = h("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        byte[] sealed = AesGcm.seal(key, iv, aad, plain, 0, plain.length);
        assertThat(Hex.encode(Arrays.copyOfRange(sealed, 12, sealed.length))).isEqualTo(
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                        + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
                        + "76fc6ece0f4e1768cddf8853bb2d551b");
        assertThat(AesGcm.open(key, aad, sealed)).isEqualTo(plain);
    }

    @Property(tries = 50)
    void roundTripsAnyPayload(@ForAll @Size(max = 200_000) byte[] plain, @ForAll @Size(max = 64) byte[] aad) throws Exception {
        byte[] key = AesGcm.newKey();
        assertThat(AesGcm.open(key, aad, AesGcm.seal(key, aad, plain))).isEqualTo(plain);
    }

    @Test
    void everyFlippedBitIsRejected() throws Exception {
        byte[] key = AesGcm.newKey();
        byte[] aad = {1, 2, 3};
        byte[] sealed = AesGcm.seal(key, aad, "the quick brown fox".getBytes());
        for (int bit = 0; bit < sealed.length * 8; bit++) {
            byte[] tampered = sealed.clone();
            tampered[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThatThrownBy(() -> AesGcm.open(key, aad, tampered))
                    .isInstanceOf(CryptoException.class)
                    .extracting(e -> ((CryptoException) e).code()).isEqualTo(CryptoErrorCode.VERIFICATION_FAILED);
        }
    }

    @Test
    void wrongKeyOrContextIsRejected() throws Exception {
        byte[] key = AesGcm.newKey();
        byte[] sealed = AesGcm.seal(key, new byte[] {1}, new byte[100]);
        assertThatThrownBy(() -> AesGcm.open(AesGcm.newKey(), new byte[] {1}, sealed))
                .hasMessageContaining("authentication failed");
        assertThatThrownBy(() -> AesGcm.open(key, new byte[] {2}, sealed))
                .hasMessageContaining("authentication failed");
        assertThatThrownBy(() -> AesGcm.open(key, new byte[] {1}, Arrays.copyOf(sealed, 20)))
                .hasMessageContaining("too short");
        assertThatThrownBy(() -> AesGcm.seal(new byte[16], null, new byte[1])).hasMessageContaining("32 bytes");
    }

    // RFC 3394 section 4.6: 256 bits of key data with a 256-bit KEK.
    @Test
    void keyWrapRfc3394Vector() throws Exception {
        byte[] kek = h("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
        byte[] key = h("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
        byte[] wrapped = AesKeyWrap.wrap(kek, key);
        assertThat(Hex.encode(wrapped)).isEqualToIgnoringCase(
                "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21");
        assertThat(AesKeyWrap.unwrap(kek, wrapped)).isEqualTo(key);
        wrapped[5] ^= 1;
        assertThatThrownBy(() -> AesKeyWrap.unwrap(kek, wrapped))
                .isInstanceOf(CryptoException.class).hasMessageContaining("unwrap failed");
    }

    /** The warm-up runs once per JVM from any number of threads and leaves GCM correct. */
    @Test
    void warmUpRunsOnceAcrossThreadsAndGcmStillRoundTrips() throws Exception {
        Thread[] threads = new Thread[3];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(AesGcm::warmUp);
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(AesGcm.warmedUp()).isTrue();
        AesGcm.warmUp();
        byte[] key = AesGcm.newKey();
        byte[] plain = new byte[(1 << 20) + 17];
        new java.util.Random(3).nextBytes(plain);
        assertThat(AesGcm.open(key, new byte[] {1}, AesGcm.seal(key, new byte[] {1}, plain))).isEqualTo(plain);
    }
}
