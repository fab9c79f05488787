package io.stoq.crypto.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.junit.jupiter.api.Test;

class Sha256Test {
    // FIPS 180-4 / NIST CSRC example values.
    @Test
    void knownAnswers() {
        assertThat(Sha256.hash(new byte[0]).toHex())
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(Sha256.hash("abc".getBytes(StandardCharsets.US_ASCII)).toHex())
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void digestResetsForReuse() {
        Sha256 sha = new Sha256();
        sha.update("junk".getBytes(StandardCharsets.US_ASCII)).digest();
        assertThat(sha.update("abc".getBytes(StandardCharsets.US_ASCII)).digest())
                .isEqualTo(Sha256.hash("abc".getBytes(StandardCharsets.US_ASCII)));
    }

    /** Any split of the input gives BouncyCastle's digest of the whole. */
    @Property(tries = 200)
    void splitsAgreeWithBouncyCastle(@ForAll @Size(max = 5000) byte[] data, @ForAll @IntRange(min = 0, max = 5000) int cut) {
        int at = Math.min(cut, data.length);
        Sha256 sha = new Sha256().update(data, 0, at).update(data, at, data.length - at);
        SHA256Digest bc = new SHA256Digest();
        bc.update(data, 0, data.length);
        byte[] expected = new byte[32];
        bc.doFinal(expected, 0);
        assertThat(sha.digest().toBytes()).isEqualTo(expected);
    }
}
