package io.stoq.node.assets;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.BodyAbortedException;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.store.LocalShardStore;
import io.stoq.shard.AssetEncoder;
import io.stoq.shard.AssetId;
import io.stoq.shard.ShardException;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.codec.ShardEncoder;
import io.stoq.shard.manifest.ManifestSigner;
import io.stoq.shard.manifest.SignedManifest;
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
 * shard fsynced before the next step), hashing the plaintext with SHA3-256 on the way, then has
 * the manifest sealed (by the node's {@link ManifestSigner}: one SLH-DSA signature per batch of
 * uploads finishing together) and stores it (content-addressed, fsynced). The asset key is
 * wrapped to the node's ML-KEM key inside the manifest. Nothing reaches the ledger here: on any
 * failure the caller {@link #discard}s what was written, and a crash leaves only unreferenced
 * shards behind.
 */
final class ShardWriter {
    private static final Logger LOG = LoggerFactory.getLogger(ShardWriter.class);

    private final LocalShardStore store;
    private final ManifestSigner signer;
    private final PublicKey kemKey;
    private final int threads;

    ShardWriter(LocalShardStore store, ManifestSigner signer, PublicKey kemKey, int threads) {
        this.store = store;
        this.signer = signer;
        this.kemKey = kemKey;
        this.threads = threads;
    }

    /** What was written for one version. */
    record Stored(Hash256 manifestHash, Hash256 merkleRoot, long size, Hash256 sha3, List<Hash256> written) {}

    Stored write(InputStream body, Hash256 ledgerId, long version, OptionalLong declared) throws ApiException, IOException {
        AssetId assetId = AssetId.of(Arrays.copyOf(ledgerId.toBytes(), AssetId.LENGTH));
        HashingStream in = new HashingStream(body);
        List<Hash256> written = java.util.Collections.synchronizedList(new ArrayList<>());
        // Small shards join the store's next synced group instead of waiting for a disk each:
        // all of them, and the manifest, are awaited before this returns (before any ack).
        List<LocalShardStore.PendingPut> pending = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ShardEncoder encoder = new ShardEncoder(threads)) {
            AssetEncoder assets = new AssetEncoder(encoder, signer, List.of(kemKey));
            SignedManifest manifest = assets.encode(in, new AssetEncoder.Request(assetId, version, declared,
                    RedundancyPolicy.DEFAULT, null), shard -> {
                        try {
                            LocalShardStore.PendingPut p = store.putGrouped(shard.hash(), shard.stored());
                            if (!p.alreadyPresent()) {
                                written.add(shard.hash());
                            }
                            pending.add(p);
                        } catch (NodeException e) {
                            throw new StoreFailure(e);
                        }
                    });
            if (in.read() != -1) {
                throw new IllegalStateException("the shard pipeline stopped before the end of the body");
            }
            if (declared.isPresent() && declared.getAsLong() != in.count) {
                throw new BodyAbortedException(ApiError.TRUNCATED_BODY, "body ended after " + in.count + " of "
                        + declared.getAsLong() + " bytes");
            }
            byte[] encoded = manifest.encoded();
            Hash256 manifestHash = Sha3.hash(encoded);
            LocalShardStore.PendingPut m = store.putGrouped(manifestHash, encoded);
            if (!m.alreadyPresent()) {
                written.add(manifestHash);
            }
            pending.add(m);
            for (LocalShardStore.PendingPut p : pending) {
                p.await();
            }
            return new Stored(manifestHash, manifest.manifest().merkleRoot(), in.count, in.sha3.digest(), written);
        } catch (StoreFailure e) {
            awaitQuietly(pending);
            discard(written);
            throw storeError(e.failure);
        } catch (NodeException e) {
            awaitQuietly(pending);
            discard(written);
            throw storeError(e);
        } catch (ShardException e) {
            awaitQuietly(pending);
            discard(written);
            throw new ApiException(ApiError.INTERNAL, "the shard pipeline failed: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            awaitQuietly(pending);
            discard(written);
            throw e;
        }
    }

    /** Lets grouped puts settle before what they wrote is discarded, so no write lands after its delete. */
    private static void awaitQuietly(List<LocalShardStore.PendingPut> pending) {
        synchronized (pending) {
            for (LocalShardStore.PendingPut p : pending) {
                p.durable().handle((ok, failure) -> null).join();
            }
        }
    }

    void discard(Stored s) {
        discard(s.written());
    }

    private void discard(List<Hash256> written) {
        for (Hash256 h : written) {
            try {
                store.delete(h);
            } catch (NodeException e) {
                LOG.warn("could not remove shard {} of a failed upload: {}", h.toHex(), e.getMessage());
            }
        }
    }

    private static ApiException storeError(NodeException e) {
        if (e.code() == NodeErrorCode.INSUFFICIENT_SPACE) {
            return new ApiException(ApiError.UNAVAILABLE, "the node is out of storage space", e);
        }
        return new ApiException(ApiError.INTERNAL, "the shard store failed", e);
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

    /** Counts and hashes the plaintext as the encoder reads it. */
    private static final class HashingStream extends FilterInputStream {
        final Sha3 sha3 = new Sha3();
        long count;

        HashingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                sha3.update((byte) b);
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                sha3.update(b, off, n);
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            throw new IOException("skip is not supported while hashing");
        }
    }
}
