package io.stoq.placement.erasure;

import io.stoq.crypto.hash.Hash256;
import io.stoq.placement.PlacementErrorCode;
import io.stoq.placement.PlacementException;
import io.stoq.shard.analyze.RedundancyPolicy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.hadoop.HadoopIllegalArgumentException;
import org.apache.hadoop.hdds.client.ECReplicationConfig;
import org.apache.ozone.erasurecode.rawcoder.RSRawErasureCoderFactory;
import org.apache.ozone.erasurecode.rawcoder.RawErasureDecoder;
import org.apache.ozone.erasurecode.rawcoder.RawErasureEncoder;

/**
 * Reed-Solomon erasure coding of one shard into k data and m parity pieces, any k of which give
 * the shard back byte for byte. The arithmetic is Apache Ozone's pure-Java coder
 * ({@code RSRawEncoder}/{@code RSRawDecoder}, systematic: data pieces are the shard's own bytes);
 * this class only cuts, pads, hashes and checks (see docs/placement.md and docs/dependencies.md).
 *
 * <pre>
 *   shard (L bytes) -> zero-pad to k * S, S = max(1, ceil(L / k))
 *                   -> pieces 0..k-1 = the k slices, pieces k..k+m-1 = RS parity
 *                   -> each piece hashed (SHA3-256) into the layout
 * </pre>
 *
 * <p>Decoding checks every piece against the layout first (size, then hash): RS itself would turn
 * a damaged piece into wrong bytes without noticing. When all k data pieces are there, they are
 * concatenated without the coder.
 *
 * <p>Not thread-safe (the Ozone coders keep per-erasure-pattern state): one codec per thread;
 * creating one costs a few small matrix inversions.
 */
public final class ErasureCodec {
    private final int k;
    private final int m;
    private final RawErasureEncoder encoder;
    private final RawErasureDecoder decoder;

    private ErasureCodec(int k, int m) {
        this.k = k;
        this.m = m;
        ECReplicationConfig config = new ECReplicationConfig(k, m);
        RSRawErasureCoderFactory factory = new RSRawErasureCoderFactory();
        this.encoder = factory.createEncoder(config);
        this.decoder = factory.createDecoder(config);
    }

    /** A codec for {@code policy}'s k data and m parity pieces. */
    public static ErasureCodec of(RedundancyPolicy.Erasure policy) {
        return new ErasureCodec(policy.k(), policy.m());
    }

    /** Data pieces. */
    public int k() {
        return k;
    }

    /** Parity pieces. */
    public int m() {
        return m;
    }

    /** Cuts {@code shard} into k + m hashed pieces. {@code shard} is read, not kept. */
    public EncodedShard encode(byte[] shard) throws PlacementException {
        int size = ErasureLayout.pieceSize(shard.length, k);
        byte[][] data = new byte[k][size];
        for (int i = 0; i < k; i++) {
            long from = (long) i * size; // k * size may pass Integer.MAX_VALUE for a near-2 GiB shard
            if (from < shard.length) {
                System.arraycopy(shard, (int) from, data[i], 0, (int) Math.min(size, shard.length - from));
            }
        }
        byte[][] parity = new byte[m][size];
        try {
            encoder.encode(data, parity);
        } catch (IOException | HadoopIllegalArgumentException e) {
            throw new PlacementException(PlacementErrorCode.CODER_FAILURE,
                    "Reed-Solomon " + k + "+" + m + " encoding of " + shard.length + " bytes failed: " + e.getMessage(), e);
        }
        List<Piece> pieces = new ArrayList<>(k + m);
        List<Hash256> hashes = new ArrayList<>(k + m);
        for (int i = 0; i < k + m; i++) {
            Piece piece = Piece.of(i, i < k ? data[i] : parity[i - k]);
            pieces.add(piece);
            hashes.add(piece.sha3());
        }
        return new EncodedShard(new ErasureLayout(k, m, shard.length, size, hashes), pieces);
    }

    /**
     * Rebuilds the shard from any k (or more) of its pieces. Every piece given is checked against
     * {@code layout} first, and one bad piece refuses the whole call: the caller drops it (and
     * reports the copy bad) and retries with another.
     *
     * @throws PlacementException {@code INVALID_ARGUMENT} for a layout of another k+m, an index out
     *     of range or given twice; {@code PIECE_SIZE_MISMATCH}; {@code PIECE_HASH_MISMATCH};
     *     {@code TOO_FEW_PIECES} when fewer than k distinct pieces are given
     */
    public byte[] decode(ErasureLayout layout, Collection<Piece> pieces) throws PlacementException {
        if (layout.k() != k || layout.m() != m) {
            throw new PlacementException(PlacementErrorCode.INVALID_ARGUMENT,
                    "a " + layout.k() + "+" + layout.m() + " shard given to a " + k + "+" + m + " codec");
        }
        byte[][] inputs = new byte[k + m][];
        int given = 0;
        for (Piece piece : pieces) {
            layout.verify(piece);
            if (inputs[piece.index()] != null) {
                throw new PlacementException(PlacementErrorCode.INVALID_ARGUMENT,
                        "piece " + piece.index() + " is given twice");
            }
            inputs[piece.index()] = piece.data();
            given++;
        }
        if (given < k) {
            throw new PlacementException(PlacementErrorCode.TOO_FEW_PIECES,
                    "a " + k + "+" + m + " shard needs " + k + " pieces to decode, " + given + " given");
        }
        List<Integer> erased = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            if (inputs[i] == null) {
                erased.add(i);
            }
        }
        byte[][] data = new byte[k][];
        for (int i = 0; i < k; i++) {
            data[i] = inputs[i];
        }
        if (!erased.isEmpty()) {
            reconstruct(inputs, erased, data, layout.pieceSize());
        }
        byte[] shard = new byte[layout.originalLength()];
        for (int i = 0; i < k && (long) i * layout.pieceSize() < shard.length; i++) {
            int from = i * layout.pieceSize();
            System.arraycopy(data[i], 0, shard, from, Math.min(layout.pieceSize(), shard.length - from));
        }
        return shard;
    }

    private void reconstruct(byte[][] inputs, List<Integer> erased, byte[][] data, int size) throws PlacementException {
        // The coder reads the first k non-null inputs; the rest are checked but unused.
        byte[][] usable = inputs.clone();
        int seen = 0;
        for (int i = 0; i < usable.length; i++) {
            if (usable[i] != null && ++seen > k) {
                usable[i] = null;
            }
        }
        int[] erasedIndexes = erased.stream().mapToInt(Integer::intValue).toArray();
        byte[][] outputs = new byte[erasedIndexes.length][size];
        try {
            decoder.decode(usable, erasedIndexes, outputs);
        } catch (IOException | HadoopIllegalArgumentException e) {
            throw new PlacementException(PlacementErrorCode.CODER_FAILURE,
                    "Reed-Solomon " + k + "+" + m + " decoding failed: " + e.getMessage(), e);
        }
        for (int j = 0; j < erasedIndexes.length; j++) {
            data[erasedIndexes[j]] = outputs[j];
        }
    }
}
