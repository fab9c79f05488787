package io.stoq.shard.assemble;

import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.crypto.merkle.InclusionProof;
import io.stoq.crypto.merkle.MerkleTree;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.codec.ShardCodec;
import io.stoq.shard.codec.ShardEntry;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.merkle.ShardMerkle;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Verified reassembly of one asset version from a <em>verified</em> manifest (see
 * {@code SignedManifest.verify}), its asset key, and shards from any source in any order.
 *
 * <p>No byte leaves this class before the shard holding it passed, in order: its stored length,
 * its SHA3-256 against the manifest, its inclusion proof against the merkle root, AES-GCM
 * authentication under its own key and AAD, and decompression to the listed length.
 *
 * <p>Range reads touch only the shards that overlap the range (binary search on the offsets).
 * Not thread-safe (one caller; {@link #readAll(OutputStream, ExecutorService, int)}
 * uses its pool internally).
 */
public final class AssetReader {
    private final AssetManifest manifest;
    private final ShardCodec codec;
    private final ShardSource source;
    private final MerkleTree tree;
    private final long[] offsets; // offsets[i] = plaintext offset of shard i; offsets[n] = size
    private Map<Hash256, Integer> byHash;

    public AssetReader(AssetManifest manifest, byte[] assetKey, ShardSource source) {
        this.manifest = manifest;
        if (manifest.plainSize() >= 256L << 20) {
            AesGcm.warmUp();
        }
        this.codec = ShardCodec.reading(manifest.suite(), manifest.assetId(), manifest.version(), assetKey, manifest.zstdLevel());
        this.source = source;
        List<Hash256> hashes = new ArrayList<>(manifest.shards().size());
        this.offsets = new long[manifest.shards().size() + 1];
        for (int i = 0; i < manifest.shards().size(); i++) {
            ShardEntry e = manifest.shards().get(i);
            hashes.add(e.hash());
            offsets[i + 1] = offsets[i] + e.plainLength();
        }
        this.tree = ShardMerkle.tree(hashes);
    }

    public AssetManifest manifest() {
        return manifest;
    }

    /** Writes the whole asset to {@code out}, shard by shard, each verified first. */
    public void readAll(OutputStream out) throws ShardException, IOException {
        for (int i = 0; i < manifest.shards().size(); i++) {
            out.write(shard(i));
        }
    }

    /**
     * As {@link #readAll(OutputStream)}, verifying and decrypting up to {@code 2 x threads} shards
     * at once on {@code pool} while the caller fetches (sources need not be thread-safe) and writes
     * in order. A failure stops the read; bytes of shards before the failing one may have been
     * written (each of them verified), so write to a temporary file and rename on success.
     */
    public void readAll(OutputStream out, ExecutorService pool, int threads)
            throws ShardException, IOException {
        ArrayDeque<Future<byte[]>> inFlight = new ArrayDeque<>();
        try {
            for (int i = 0; i < manifest.shards().size(); i++) {
                if (inFlight.size() >= 2 * threads) {
                    out.write(await(inFlight.poll()));
                }
                ShardEntry entry = manifest.shards().get(i);
                FetchedShard fetched = source.fetch(i, entry);
                if (fetched == null || fetched.stored() == null) {
                    throw new ShardException(ShardErrorCode.SHARD_MISSING, "shard " + i + " (" + entry.hash().toHex()
                            + ") is missing from the source");
                }
                int index = i;
                inFlight.add(pool.submit(() -> verifyAndOpen(index, fetched)));
            }
            while (!inFlight.isEmpty()) {
                out.write(await(inFlight.poll()));
            }
        } finally {
            for (Future<byte[]> f : inFlight) {
                f.cancel(true);
            }
        }
    }

    private static byte[] await(Future<byte[]> future) throws ShardException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShardException(ShardErrorCode.IO_ERROR, "interrupted while reading shards");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ShardException se) {
                throw se;
            }
            throw new IllegalStateException("shard verification failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Writes plaintext bytes {@code [offset, offset + length)} to {@code out}, fetching only the
     * shards that overlap the range. Returns the number of shards fetched.
     */
    public int readRange(long offset, long length, OutputStream out) throws ShardException, IOException {
        long size = manifest.plainSize();
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "range " + offset + "+" + length
                    + " is outside the asset's " + size + " bytes");
        }
        if (length == 0) {
            return 0;
        }
        int first = shardAt(offset);
        int last = shardAt(offset + length - 1);
        for (int i = first; i <= last; i++) {
            byte[] plain = shard(i);
            int from = (int) Math.max(0, offset - offsets[i]);
            int to = (int) Math.min(plain.length, offset + length - offsets[i]);
            out.write(plain, from, to - from);
        }
        return last - first + 1;
    }

    /** Index of the shard holding plaintext byte {@code position}. */
    int shardAt(long position) {
        int i = Arrays.binarySearch(offsets, position);
        if (i < 0) {
            i = -i - 2; // insertion point - 1: the shard starting before position
        }
        while (i + 1 < offsets.length - 1 && offsets[i + 1] <= position) {
            i++; // skip empty shards (only an all-empty asset has them)
        }
        return Math.min(i, manifest.shards().size() - 1);
    }

    /** Fetches, verifies and opens shard {@code index}. */
    public byte[] shard(int index) throws ShardException, IOException {
        ShardEntry entry = manifest.shards().get(index);
        FetchedShard fetched = source.fetch(index, entry);
        if (fetched == null || fetched.stored() == null) {
            throw new ShardException(ShardErrorCode.SHARD_MISSING, "shard " + index + " (" + entry.hash().toHex()
                    + ") is missing from the source");
        }
        return verifyAndOpen(index, fetched);
    }

    /**
     * Identifies a stored shard that arrived without its index (from a peer, in any order) by its
     * hash, then verifies and opens it. Returns the index; {@code sink} gets the plaintext.
     */
    public int accept(byte[] stored, InclusionProof proof, PlainSink sink) throws ShardException, IOException {
        if (byHash == null) {
            byHash = new HashMap<>();
            for (int i = 0; i < manifest.shards().size(); i++) {
                byHash.put(manifest.shards().get(i).hash(), i);
            }
        }
        Integer index = byHash.get(Sha3.hash(stored));
        if (index == null) {
            throw new ShardException(ShardErrorCode.SHARD_HASH_MISMATCH, "a " + stored.length
                    + "-byte shard matches no hash in the manifest of asset " + manifest.assetId());
        }
        sink.accept(index, offsets[index], verifyAndOpen(index, new FetchedShard(stored, proof)));
        return index;
    }

    private byte[] verifyAndOpen(int index, FetchedShard fetched) throws ShardException {
        ShardEntry entry = manifest.shards().get(index);
        byte[] stored = fetched.stored();
        if (stored.length < entry.storedLength()) {
            throw new ShardException(ShardErrorCode.SHARD_TRUNCATED, "shard " + index + " is truncated: "
                    + stored.length + " bytes, the manifest says " + entry.storedLength());
        }
        Hash256 actual = Sha3.hash(stored);
        if (stored.length != entry.storedLength() || !actual.equals(entry.hash())) {
            throw new ShardException(ShardErrorCode.SHARD_HASH_MISMATCH, "shard " + index + " hash mismatch: SHA3-256 is "
                    + actual.toHex() + ", the manifest says " + entry.hash().toHex());
        }
        InclusionProof proof = fetched.proof() != null ? fetched.proof() : tree.proof(index);
        if (proof.leafIndex() != index || proof.treeSize() != tree.size()) {
            throw new ShardException(ShardErrorCode.PROOF_INVALID, "inclusion proof for shard " + index
                    + " is for leaf " + proof.leafIndex() + " of " + proof.treeSize() + ", not leaf " + index + " of " + tree.size());
        }
        if (!ShardMerkle.verify(manifest.merkleRoot(), tree.size(), index, actual, proof)) {
            throw new ShardException(ShardErrorCode.PROOF_INVALID, "inclusion proof for shard " + index
                    + " does not lead to the manifest's merkle root");
        }
        return codec.open(index, entry, stored);
    }

    /** Receives verified plaintext of a shard accepted out of order. */
    @FunctionalInterface
    public interface PlainSink {
        void accept(int index, long offset, byte[] plain) throws IOException;
    }
}
