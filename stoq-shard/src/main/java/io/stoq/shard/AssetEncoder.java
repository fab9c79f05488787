package io.stoq.shard;

import io.stoq.crypto.aead.AesGcm;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.shard.analyze.ContentFormat;
import io.stoq.shard.analyze.FormatSniffer;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.analyze.ShardSizing;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.codec.EncodeResult;
import io.stoq.shard.codec.ShardCodec;
import io.stoq.shard.codec.ShardEncoder;
import io.stoq.shard.codec.ShardSink;
import io.stoq.shard.manifest.AssetKeys;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.BatchSigner;
import io.stoq.shard.manifest.ChunkingInfo;
import io.stoq.shard.manifest.ManifestSigner;
import io.stoq.shard.manifest.SignedManifest;
import io.stoq.shard.merkle.ShardMerkle;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.PublicKey;
import java.util.List;
import java.util.OptionalLong;

/**
 * The whole upload-side data path for one asset version, streaming: sniff the format from the
 * head, pick chunk sizes, run the shard pipeline into a sink, build the merkle tree, wrap a fresh
 * random asset key to the recipients and have the manifest sealed by a {@link ManifestSigner}
 * (a batch of one, or a {@link io.stoq.shard.manifest.ManifestBatcher} shared by concurrent
 * uploads).
 *
 * <p>Thread-safe as far as its parts are: the {@link ShardEncoder} it is given runs one encode at a
 * time.
 */
public final class AssetEncoder {
    /** zstd level: 1 is the fast level; higher levels cost far more CPU than they save here. */
    public static final int DEFAULT_ZSTD_LEVEL = 1;
    /** Inputs this large (or of unknown size) pay for {@link AesGcm#warmUp()} first. */
    static final long WARMUP_THRESHOLD = 256L << 20;

    private final ShardEncoder encoder;
    private final ManifestSigner signer;
    private final List<PublicKey> recipients;

    public AssetEncoder(ShardEncoder encoder, ManifestSigner signer, List<PublicKey> recipients) {
        this.encoder = encoder;
        this.signer = signer;
        this.recipients = List.copyOf(recipients);
    }

    /** Signs each manifest on its own with {@code signer}, an SLH-DSA key (a batch of one). */
    public AssetEncoder(ShardEncoder encoder, SigningKey signer, List<PublicKey> recipients) {
        this(encoder, new BatchSigner(signer), recipients);
    }

    /** What to encode and how; {@code plan == null} lets {@link ShardSizing} decide. */
    public record Request(AssetId assetId, long version, OptionalLong size, RedundancyPolicy policy, ChunkPlan plan) {
        public Request {
            if (version < 0) {
                throw new IllegalArgumentException("version must be >= 0");
            }
        }
    }

    /** Encodes everything readable from {@code in} (not closed) into {@code sink}; returns the signed manifest. */
    public SignedManifest encode(InputStream in, Request request, ShardSink sink) throws ShardException, IOException {
        byte[] assetKey = AesGcm.newKey();
        try {
            return encode(in, request, assetKey, sink);
        } finally {
            java.util.Arrays.fill(assetKey, (byte) 0);
        }
    }

    /**
     * As {@link #encode(InputStream, Request, ShardSink)} with a caller-chosen asset key, for
     * callers that must open shards before the manifest exists (streamed verification). The key
     * must be fresh and random for every asset version: shard keys derive from it and the index.
     */
    public SignedManifest encode(InputStream in, Request request, byte[] assetKey, ShardSink sink)
            throws ShardException, IOException {
        if (request.size().isEmpty() || request.size().getAsLong() >= WARMUP_THRESHOLD) {
            AesGcm.warmUp();
        }
        BufferedInputStream head = new BufferedInputStream(in, FormatSniffer.HEAD_BYTES);
        head.mark(FormatSniffer.HEAD_BYTES);
        byte[] sample = head.readNBytes(FormatSniffer.HEAD_BYTES);
        head.reset();
        ContentFormat format = FormatSniffer.sniff(sample, sample.length);
        ChunkPlan plan = request.plan() != null ? request.plan() : ShardSizing.plan(request.size(), format, request.policy());
        ShardCodec codec = new ShardCodec(request.assetId(), request.version(), assetKey, DEFAULT_ZSTD_LEVEL, format.worthCompressing());
        EncodeResult result = encoder.encode(head, plan, codec, sink);
        AssetManifest manifest = new AssetManifest(request.assetId(), request.version(), format, result.plainBytes(),
                ChunkingInfo.of(plan), DEFAULT_ZSTD_LEVEL, result.shards(), ShardMerkle.treeOf(result.shards()).root(),
                AssetKeys.wrap(assetKey, request.assetId(), request.version(), recipients));
        return signer.sign(manifest);
    }
}
