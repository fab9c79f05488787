package io.stoq.placement.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.placement.PlacementErrorCode;
import io.stoq.placement.PlacementException;
import io.stoq.shard.analyze.RedundancyPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.hadoop.hdds.client.ECReplicationConfig;
import org.apache.ozone.erasurecode.rawcoder.RSRawErasureCoderFactory;
import org.apache.ozone.erasurecode.rawcoder.RawErasureDecoder;
import org.junit.jupiter.api.Test;

/** Round trips, overhead and refusals of {@link ErasureCodec} for the schemes docs/placement.md names. */
class ErasureCodecTest {
    private static final RedundancyPolicy.Erasure FOUR_TWO = new RedundancyPolicy.Erasure(4, 2);

    @Provide
    Arbitrary<RedundancyPolicy.Erasure> schemes() {
        return Arbitraries.of(new RedundancyPolicy.Erasure(2, 1), FOUR_TWO, new RedundancyPolicy.Erasure(6, 3),
                new RedundancyPolicy.Erasure(10, 4));
    }

    private static byte[] random(long seed, int length) {
        byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Property(tries = 60)
    void anyMPiecesLostStillDecodesByteExact(@ForAll("schemes") RedundancyPolicy.Erasure scheme,
            @ForAll @IntRange(min = 0, max = 70_000) int length, @ForAll long seed) throws PlacementException {
        byte[] shard = random(seed, length);
        ErasureCodec codec = ErasureCodec.of(scheme);
        EncodedShard encoded = codec.encode(shard);

        List<Piece> kept = new ArrayList<>(encoded.pieces());
        Collections.shuffle(kept, new Random(seed));
        kept = kept.subList(scheme.m(), kept.size()); // exactly m lost, k left, any pattern
        assertThat(codec.decode(encoded.layout(), kept)).isEqualTo(shard);
        // and by a fresh codec, as another node would
        assertThat(ErasureCodec.of(scheme).decode(encoded.layout(), kept)).isEqualTo(shard);
    }

    @Property(tries = 60)
    void storageIsExactlyKPlusMOverKOfThePaddedShard(@ForAll("schemes") RedundancyPolicy.Erasure scheme,
            @ForAll @IntRange(min = 0, max = 70_000) int length) throws PlacementException {
        EncodedShard encoded = ErasureCodec.of(scheme).encode(new byte[length]);
        ErasureLayout layout = encoded.layout();
        int k = scheme.k();
        assertThat(encoded.pieces()).allSatisfy(p -> assertThat(p.data()).hasSize(layout.pieceSize()));
        assertThat(layout.storedBytes() * k).isEqualTo((long) (k + scheme.m()) * layout.pieceSize() * k);
        // padding is less than one byte per data piece (one piece of 1 byte for an empty shard)
        long padded = (long) k * layout.pieceSize();
        assertThat(padded - length).isBetween(0L, length == 0 ? (long) k : k - 1L);
        assertThat(layout.originalLength()).isEqualTo(length);
    }

    @Test
    void anEmptyShardRoundTripsInEveryScheme() throws PlacementException {
        for (RedundancyPolicy.Erasure scheme : List.of(new RedundancyPolicy.Erasure(2, 1), FOUR_TWO,
                new RedundancyPolicy.Erasure(6, 3), new RedundancyPolicy.Erasure(10, 4))) {
            ErasureCodec codec = ErasureCodec.of(scheme);
            EncodedShard encoded = codec.encode(new byte[0]);
            assertThat(encoded.layout().pieceSize()).isEqualTo(1);
            List<Piece> parityOnlyFirst = new ArrayList<>(encoded.pieces().subList(scheme.m(), scheme.k() + scheme.m()));
            assertThat(codec.decode(encoded.layout(), parityOnlyFirst)).isEmpty();
        }
    }

    @Test
    void fourPlusTwoOverFourMebibytesCostsOneAndAHalfTimes() throws PlacementException {
        EncodedShard encoded = ErasureCodec.of(FOUR_TWO).encode(random(1, 4 << 20));
        assertThat(encoded.layout().storedBytes()).isEqualTo((4L << 20) * 3 / 2);
    }

    @Test
    void dataPiecesAreTheShardsOwnBytes() throws PlacementException {
        byte[] shard = random(2, 1000);
        EncodedShard encoded = ErasureCodec.of(FOUR_TWO).encode(shard);
        for (int i = 0; i < 4; i++) {
            assertThat(encoded.pieces().get(i).data()).isEqualTo(Arrays.copyOfRange(shard, i * 250, i * 250 + 250));
        }
    }

    @Test
    void aFlippedByteGoesUnnoticedByReedSolomonButNotByThePieceHash() throws Exception {
        byte[] shard = random(3, 10_000);
        ErasureCodec codec = ErasureCodec.of(FOUR_TWO);
        EncodedShard encoded = codec.encode(shard);
        int size = encoded.layout().pieceSize();
        byte[] flipped = encoded.pieces().get(4).data().clone();
        flipped[17] ^= 0x01;

        // the bare coder: data piece 0 lost, parity piece 4 damaged -> wrong bytes, no error
        RawErasureDecoder raw = new RSRawErasureCoderFactory().createDecoder(new ECReplicationConfig(4, 2));
        byte[][] inputs = {null, encoded.pieces().get(1).data(), encoded.pieces().get(2).data(),
            encoded.pieces().get(3).data(), flipped, null};
        byte[][] out = new byte[1][size];
        raw.decode(inputs, new int[] {0}, out);
        assertThat(out[0]).isNotEqualTo(encoded.pieces().get(0).data());

        // the codec: the damaged piece is refused, whether it carries the old hash or a new one
        List<Piece> carryingOldHash = List.of(encoded.pieces().get(1), encoded.pieces().get(2),
                encoded.pieces().get(3), new Piece(4, flipped, encoded.pieces().get(4).sha3()));
        assertCode(() -> codec.decode(encoded.layout(), carryingOldHash), PlacementErrorCode.PIECE_HASH_MISMATCH);
        List<Piece> rehashed = List.of(encoded.pieces().get(1), encoded.pieces().get(2),
                encoded.pieces().get(3), Piece.of(4, flipped));
        assertCode(() -> codec.decode(encoded.layout(), rehashed), PlacementErrorCode.PIECE_HASH_MISMATCH);
    }

    @Test
    void aPieceOfAnotherShardIsRefused() throws PlacementException {
        ErasureCodec codec = ErasureCodec.of(FOUR_TWO);
        EncodedShard one = codec.encode(random(4, 4000));
        EncodedShard other = codec.encode(random(5, 4000));
        List<Piece> mixed = new ArrayList<>(one.pieces().subList(0, 3));
        mixed.add(other.pieces().get(3));
        assertCode(() -> codec.decode(one.layout(), mixed), PlacementErrorCode.PIECE_HASH_MISMATCH);
    }

    @Test
    void fewerThanKPiecesIsRefused() throws PlacementException {
        ErasureCodec codec = ErasureCodec.of(FOUR_TWO);
        EncodedShard encoded = codec.encode(random(6, 5000));
        assertCode(() -> codec.decode(encoded.layout(), encoded.pieces().subList(0, 3)),
                PlacementErrorCode.TOO_FEW_PIECES);
        assertCode(() -> codec.decode(encoded.layout(), List.of()), PlacementErrorCode.TOO_FEW_PIECES);
    }

    @Test
    void aPieceOfTheWrongSizeIsRefused() throws PlacementException {
        ErasureCodec codec = ErasureCodec.of(FOUR_TWO);
        EncodedShard encoded = codec.encode(random(7, 5000));
        List<Piece> pieces = new ArrayList<>(encoded.pieces());
        pieces.set(5, Piece.of(5, Arrays.copyOf(pieces.get(5).data(), encoded.layout().pieceSize() - 1)));
        assertCode(() -> codec.decode(encoded.layout(), pieces), PlacementErrorCode.PIECE_SIZE_MISMATCH);
    }

    @Test
    void aRepeatedOrOutOfRangePieceOrAnotherSchemeIsRefused() throws PlacementException {
        ErasureCodec codec = ErasureCodec.of(FOUR_TWO);
        EncodedShard encoded = codec.encode(random(8, 5000));
        List<Piece> twice = List.of(encoded.pieces().get(0), encoded.pieces().get(0), encoded.pieces().get(1),
                encoded.pieces().get(2));
        assertCode(() -> codec.decode(encoded.layout(), twice), PlacementErrorCode.INVALID_ARGUMENT);
        List<Piece> outOfRange = List.of(new Piece(6, encoded.pieces().get(0).data(), encoded.pieces().get(0).sha3()));
        assertCode(() -> codec.decode(encoded.layout(), outOfRange), PlacementErrorCode.INVALID_ARGUMENT);
        ErasureCodec sixThree = ErasureCodec.of(new RedundancyPolicy.Erasure(6, 3));
        assertCode(() -> sixThree.decode(encoded.layout(), encoded.pieces()), PlacementErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void allPiecesOrOnlyParityAndSomeDataDecode() throws PlacementException {
        byte[] shard = random(9, 12_345);
        ErasureCodec codec = ErasureCodec.of(new RedundancyPolicy.Erasure(6, 3));
        EncodedShard encoded = codec.encode(shard);
        assertThat(codec.decode(encoded.layout(), encoded.pieces())).isEqualTo(shard);
        // 3 data pieces lost, all 3 parity used; then a different loss pattern through the same codec
        assertThat(codec.decode(encoded.layout(), encoded.pieces().subList(3, 9))).isEqualTo(shard);
        List<Piece> other = new ArrayList<>(encoded.pieces());
        other.remove(8);
        other.remove(1);
        other.remove(0);
        assertThat(codec.decode(encoded.layout(), other)).isEqualTo(shard);
    }

    private static void assertCode(ThrowingCall call, PlacementErrorCode code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(PlacementException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws Exception;
    }
}
