package io.stoq.node.assets;

import io.stoq.crypto.hash.Hash256;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.BodyAbortedException;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.store.ShardStore;
import io.stoq.shard.AssetEncoder;
import io.stoq.shard.AssetId;
import io.stoq.shard.ShardException;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.codec.CodecPool;
import io.stoq.shard.codec.ShardEncoder;
import io.stoq.shard.manifest.ManifestBody;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one upload through stoq-shard's {@link AssetEncoder} into the local shard store (each
 * shard fsynced before the next step), then stores its manifest body unsealed (content-addressed
 * by the hash the ledger tx will name, fsynced or group-committed): the node's
 * {@link ManifestSealer} seals it after the commit. Nothing reaches the ledger here: on any
 * failure the caller {@link #discard}s what was written, and a crash leaves only unreferenced
 * shards behind.
 *
 * <p>Where the work runs: the request thread reads the body and cuts chunks; the node's shared
 * {@link CodecPool} compresses, encrypts and hashes them and, in a lane of its own, hashes the
 * whole plaintext with SHA-256 (the content digest {@code stoq asset get} checks); the request thread writes
 * each finished shard with {@link ShardStore#putTrusted} (the pipeline just hashed those
 * bytes, so the store does not hash them again), up to {@value ShardWrites#PER_UPLOAD} at once so
 * their fsyncs overlap ({@link ShardWrites}). No SHA3 runs on the request thread.
 *
 * <p>Versions share shards: the asset's lineage secret and the chunk ids of the previous version
 * come in as a {@link AssetEncoder.Lineage}; chunks it already stores are not written again.
 * Every shard a version names (written or reused) is pinned in {@link ShardPins} until the
 * caller {@link #settled settles} the version, so a sweep running meanwhile keeps it.
 */
final class ShardWriter {
    private static final Logger LOG = LoggerFactory.getLogger(ShardWriter.class);

    private final ShardStore store;
    private final io.stoq.node.keys.EpochKeys epochs;
    private final CodecPool pool;
    private final ShardPins pins;
    /** Null on a node without peers: every shard stays here, as before placement. */
    private final io.stoq.node.replication.Spreader spreader;
    /** Largest average chunk this node cuts ({@code shard.max-average-chunk}): bounds what each upload buffers. */
    private final int maxAverageChunk;

    ShardWriter(ShardStore store, io.stoq.node.keys.EpochKeys epochs, CodecPool pool, ShardPins pins,
            io.stoq.node.replication.Spreader spreader, int maxAverageChunk) {
        this.store = store;
        this.epochs = epochs;
        this.pool = pool;
        this.pins = pins;
        this.spreader = spreader;
        this.maxAverageChunk = maxAverageChunk;
    }

    /**
     * What was written for one version.
     *
     * @param manifestHash SHA3-256 of the manifest body: what the tx names, its name in the store
     * @param sha256 SHA-256 of the whole plaintext: the version's content digest
     * @param body the unsealed manifest body, for the sealer once the tx committed
     * @param written shards and manifest this upload added to the store (what a discard removes)
     * @param pinned every hash the version names, pinned until {@link #settled}
     * @param reusedShards shards of the version that were already stored (earlier versions, or repeats)
     * @param newStoredBytes bytes of the shards this upload wrote
     * @param holdings node id to the shard and manifest hashes durable there (empty without peers:
     *     everything is here); what each node's location proof lists
     */
    record Stored(Hash256 manifestHash, ManifestBody body, Hash256 merkleRoot, long size, Hash256 sha256, List<Hash256> written, List<Hash256> pinned,
            int reusedShards, long newStoredBytes, java.util.Map<String, List<Hash256>> holdings) {}

    Stored write(InputStream body, Hash256 ledgerId, long version, OptionalLong declared, AssetEncoder.Lineage lineage,
            RedundancyPolicy policy) throws NodeException, IOException {
        if (spreader != null) {
            return spread(body, ledgerId, version, declared, lineage, policy);
        }
        AssetId assetId = assetId(ledgerId);
        CountingStream in = new CountingStream(body);
        List<Hash256> written = new ArrayList<>();
        List<Hash256> pinned = new ArrayList<>();
        ShardWrites writes = new ShardWrites(store);
        // Small shards join the store's next synced group instead of an fsync each (SmallShardStore):
        // they, and the manifest, are awaited before this returns, so before any acknowledgement.
        List<Hash256> grouped = java.util.Collections.synchronizedList(new ArrayList<>());
        List<ShardStore.PendingPut> pending = java.util.Collections.synchronizedList(new ArrayList<>());
        PublicKey wrapTo = epochs.wrapKey(); // the current key epoch's: every member node can unwrap it
        try (ShardEncoder encoder = new ShardEncoder(pool)) {
            // no signer: the body is sealed after the commit (ManifestSealer)
            AssetEncoder assets = new AssetEncoder(encoder, (io.stoq.shard.manifest.ManifestSigner) null, List.of(wrapTo),
                    maxAverageChunk);
            AssetEncoder.Unsealed encoded = assets.encodeUnsealed(in, new AssetEncoder.Request(assetId, version, declared,
                    RedundancyPolicy.DEFAULT, null), lineage, shard -> {
                        pins.pin(shard.hash());
                        pinned.add(shard.hash());
                        if (!shard.reused()) {
                            try {
                                if (store.groupsSmall(shard.stored().length)) {
                                    ShardStore.PendingPut p = store.putGrouped(shard.hash(), shard.stored());
                                    if (!p.alreadyPresent()) {
                                        grouped.add(shard.hash());
                                    }
                                    pending.add(p);
                                } else {
                                    writes.submit(shard.hash(), shard.stored());
                                }
                            } catch (NodeException e) {
                                throw new StoreFailure(e);
                            }
                        }
                    }, true);
            written.addAll(writes.finish());
            written.addAll(grouped);
            if (in.read() != -1) {
                throw new IllegalStateException("the shard pipeline stopped before the end of the body");
            }
            if (declared.isPresent() && declared.getAsLong() != in.count) {
                throw new BodyAbortedException(ApiError.TRUNCATED_BODY, "body ended after " + in.count + " of "
                        + declared.getAsLong() + " bytes");
            }
            ManifestBody manifest = encoded.body();
            byte[] bytes = manifest.bytes();
            Hash256 manifestHash = manifest.digest();
            pins.pin(manifestHash);
            pinned.add(manifestHash);
            ShardStore.PendingPut m = store.groupsSmall(bytes.length) ? store.putGrouped(manifestHash, bytes)
                    : new ShardStore.PendingPut(manifestHash, store.putTrusted(manifestHash, bytes).alreadyPresent(),
                            java.util.concurrent.CompletableFuture.completedFuture(null));
            if (!m.alreadyPresent()) {
                written.add(manifestHash);
            }
            pending.add(m);
            for (ShardStore.PendingPut p : pending) {
                p.await();
            }
            return new Stored(manifestHash, manifest, manifest.manifest().merkleRoot(), in.count, encoded.result().plainSha256(), written,
                    pinned, encoded.result().reusedShards(), encoded.result().newStoredBytes(), java.util.Map.of());
        } catch (StoreFailure e) {
            awaitQuietly(pending);
            discard(merge(merge(written, grouped), writes.abort()), pinned);
            throw storeError(e.failure);
        } catch (NodeException e) {
            awaitQuietly(pending);
            discard(merge(merge(written, grouped), writes.abort()), pinned);
            throw storeError(e);
        } catch (ShardException e) {
            awaitQuietly(pending);
            discard(merge(merge(written, grouped), writes.abort()), pinned);
            throw new NodeException(NodeErrorCode.IO_ERROR, "the shard pipeline failed: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            awaitQuietly(pending);
            discard(merge(merge(written, grouped), writes.abort()), pinned);
            throw e;
        }
    }

    /**
     * As {@link #write}, with every shard and the manifest placed on the nodes the policy asks for
     * ({@link io.stoq.node.replication.Spreader}): returns once each is durable on its quorum of
     * distinct nodes. On failure what this node stored is removed; copies already pushed to peers
     * stay there unreferenced (no ledger tx names them; see docs/placement.md, "Not done").
     */
    private Stored spread(InputStream body, Hash256 ledgerId, long version, OptionalLong declared, AssetEncoder.Lineage lineage,
            RedundancyPolicy policy) throws NodeException, IOException {
        AssetId assetId = assetId(ledgerId);
        CountingStream in = new CountingStream(body);
        List<Hash256> pinned = new ArrayList<>();
        io.stoq.node.replication.Spreader.Upload up = spreader.begin(policy, piece -> {
            pins.pin(piece);
            pinned.add(piece);
        });
        if (policy instanceof RedundancyPolicy.Erasure) {
            // pieces are cut per upload: a chunk reused from an earlier version has no layout here,
            // so every chunk is sealed again (the same chunk id gives the same shard and pieces)
            byte[] secret = lineage.secret();
            try {
                lineage = new AssetEncoder.Lineage(secret, java.util.Map.of());
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        }
        PublicKey wrapTo = epochs.wrapKey();
        try (ShardEncoder encoder = new ShardEncoder(pool)) {
            AssetEncoder assets = new AssetEncoder(encoder, (io.stoq.shard.manifest.ManifestSigner) null, List.of(wrapTo),
                    maxAverageChunk);
            AssetEncoder.Unsealed encoded = assets.encodeUnsealed(in, new AssetEncoder.Request(assetId, version, declared,
                    policy, null), lineage, shard -> {
                        pins.pin(shard.hash());
                        pinned.add(shard.hash());
                        try {
                            if (shard.reused()) {
                                up.heldHere(shard.hash());
                            } else {
                                up.submit(shard.hash(), shard.stored());
                            }
                        } catch (NodeException e) {
                            throw new StoreFailure(e);
                        }
                    }, true);
            if (in.read() != -1) {
                throw new IllegalStateException("the shard pipeline stopped before the end of the body");
            }
            if (declared.isPresent() && declared.getAsLong() != in.count) {
                throw new BodyAbortedException(ApiError.TRUNCATED_BODY, "body ended after " + in.count + " of "
                        + declared.getAsLong() + " bytes");
            }
            ManifestBody manifest = encoded.body();
            if (policy instanceof RedundancyPolicy.Erasure e) {
                manifest = ManifestBody.of(manifest.manifest().withPieces(layouts(manifest.manifest(), e, up.layouts())));
            }
            Hash256 manifestHash = manifest.digest();
            pins.pin(manifestHash);
            pinned.add(manifestHash);
            if (policy instanceof RedundancyPolicy.Erasure e) {
                // a reader needs the manifest before any piece: it must outlive as many lost nodes as the pieces
                up.submitWhole(manifestHash, manifest.bytes(), e.m() + 1);
            } else {
                up.submit(manifestHash, manifest.bytes());
            }
            java.util.Map<String, List<Hash256>> holdings = up.finish();
            return new Stored(manifestHash, manifest, manifest.manifest().merkleRoot(), in.count, encoded.result().plainSha256(),
                    up.localWritten(), pinned, encoded.result().reusedShards(), encoded.result().newStoredBytes(), holdings);
        } catch (StoreFailure e) {
            up.abort();
            discard(up.localWritten(), pinned);
            throw e.failure.code() == NodeErrorCode.UNAVAILABLE ? e.failure : storeError(e.failure);
        } catch (NodeException e) {
            up.abort();
            discard(up.localWritten(), pinned);
            throw e.code() == NodeErrorCode.UNAVAILABLE || e.code() == NodeErrorCode.NOT_PERMITTED ? e : storeError(e);
        } catch (ShardException e) {
            up.abort();
            discard(up.localWritten(), pinned);
            throw new NodeException(NodeErrorCode.IO_ERROR, "the shard pipeline failed: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            up.abort();
            discard(up.localWritten(), pinned);
            throw e;
        }
    }

    /** The manifest's piece layouts, in its shard order, from what the upload cut. */
    private static io.stoq.shard.manifest.PieceLayouts layouts(io.stoq.shard.manifest.AssetManifest m, RedundancyPolicy.Erasure e,
            java.util.Map<Hash256, io.stoq.shard.manifest.PieceLayouts.Shard> cut) throws NodeException {
        List<io.stoq.shard.manifest.PieceLayouts.Shard> out = new ArrayList<>(m.shards().size());
        for (io.stoq.shard.codec.ShardEntry entry : m.shards()) {
            io.stoq.shard.manifest.PieceLayouts.Shard s = cut.get(entry.hash());
            if (s == null) {
                throw new NodeException(NodeErrorCode.ILLEGAL_STATE, "shard " + entry.hash().toHex() + " of the manifest was never cut into pieces");
            }
            out.add(s);
        }
        return new io.stoq.shard.manifest.PieceLayouts(e.k(), e.m(), out);
    }

    /** Lets grouped puts settle before what they wrote is discarded, so no write lands after its delete. */
    private static void awaitQuietly(List<ShardStore.PendingPut> pending) {
        synchronized (pending) {
            for (ShardStore.PendingPut p : pending) {
                p.durable().handle((ok, failure) -> null).join();
            }
        }
    }

    /** {@code a} plus whatever of {@code b} it lacks. */
    private static List<Hash256> merge(List<Hash256> a, List<Hash256> b) {
        List<Hash256> out = new ArrayList<>(a);
        for (Hash256 h : b) {
            if (!out.contains(h)) {
                out.add(h);
            }
        }
        return out;
    }

    static AssetId assetId(Hash256 ledgerId) {
        return AssetId.of(Arrays.copyOf(ledgerId.toBytes(), AssetId.LENGTH));
    }

    /** The version will never commit: removes what it wrote and releases its pins. */
    void discard(Stored s) {
        discard(s.written(), s.pinned());
    }

    /** The version committed: the ledger names its shards now, so the pins can go. */
    void settled(Stored s) {
        pins.release(s.pinned());
    }

    private void discard(List<Hash256> written, List<Hash256> pinned) {
        for (Hash256 h : written) {
            try {
                store.delete(h);
            } catch (NodeException e) {
                LOG.warn("could not remove shard {} of a failed upload: {}", h.toHex(), e.getMessage());
            }
        }
        pins.release(pinned);
    }

    private static NodeException storeError(NodeException e) {
        if (e.code() == NodeErrorCode.INSUFFICIENT_SPACE) {
            return new NodeException(NodeErrorCode.INSUFFICIENT_SPACE, "the node is out of storage space", e);
        }
        return new NodeException(NodeErrorCode.IO_ERROR, "the shard store failed", e);
    }

    /** Carries a store failure out of the sink (which may only throw IOException or ShardException). */
    private static final class StoreFailure extends IOException {
        private static final long serialVersionUID = 1L;
        final transient NodeException failure;

        StoreFailure(NodeException failure) {
            super(failure.getMessage(), failure);
            this.failure = failure;
        }
    }

    /** Counts the plaintext as the encoder reads it (the pipeline hashes it, on its own lane). */
    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            throw new IOException("skip is not supported while counting");
        }
    }
}
