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
import io.stoq.shard.manifest.ManifestBody;
import io.stoq.shard.manifest.ManifestSigner;
import io.stoq.shard.manifest.SignedManifest;
import io.stoq.shard.merkle.ShardMerkle;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import io.stoq.crypto.hash.Hash256;
import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.codec.ShardEntry;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The whole upload-side data path for one asset version, streaming: sniff the format from the
 * head, pick chunk sizes, run the shard pipeline into a sink, build the merkle tree, wrap the key
 * to the recipients and have the manifest sealed by a {@link ManifestSigner} (or leave the body
 * unsealed, for a node that seals after the ledger commit).
 *
 * <p>The key is a {@link Lineage} secret (suite 2, the default): random for a first version, the
 * previous version's for a later one, so unchanged chunks are recognised by their chunk id and
 * their stored shards reused ({@link #encode(InputStream, Request, Lineage, ShardSink, boolean)}).
 * {@link #encode(InputStream, Request, byte[], ShardSink)} still writes suite 1 (a key per
 * version, shard keys by index).
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
    private final int maxAverage;

    public AssetEncoder(ShardEncoder encoder, ManifestSigner signer, List<PublicKey> recipients) {
        this(encoder, signer, recipients, ChunkParams.AVG_UPPER);
    }

    /** With the sizing's average chunk size capped at {@code maxAverage} (see {@link ShardSizing}). */
    public AssetEncoder(ShardEncoder encoder, ManifestSigner signer, List<PublicKey> recipients, int maxAverage) {
        this.encoder = encoder;
        this.signer = signer;
        this.recipients = List.copyOf(recipients);
        this.maxAverage = maxAverage;
    }

    /**
     * The secret an asset's versions share and the chunks its earlier versions stored.
     *
     * @param secret 32 random bytes, made with the first version, carried wrapped in every manifest
     * @param known chunk id to stored entry, of the versions whose shards a new one may reuse
     */
    public record Lineage(byte[] secret, Map<Hash256, ShardEntry> known) {
        public Lineage {
            if (secret.length != AesGcm.KEY_LENGTH) {
                throw new IllegalArgumentException("a lineage secret is 32 bytes");
            }
            secret = secret.clone();
            known = Map.copyOf(known);
        }

        /** A copy of the secret (the caller may wipe it). */
        @Override
        public byte[] secret() {
            return secret.clone();
        }

        /** A new lineage: a fresh random secret, nothing stored yet. */
        public static Lineage fresh() {
            return new Lineage(AesGcm.newKey(), Map.of());
        }

        /** The lineage of a verified suite-2 manifest whose key (the secret) the caller unwrapped. */
        public static Lineage of(AssetManifest previous, byte[] secret) {
            Map<Hash256, ShardEntry> known = new java.util.HashMap<>();
            for (ShardEntry e : previous.shards()) {
                if (e.chunkId() != null) {
                    known.putIfAbsent(e.chunkId(), e);
                }
            }
            return new Lineage(secret, known);
        }
    }

    /** A version's sealed manifest and what its pipeline run did (reused shards, plaintext hash). */
    public record Encoded(SignedManifest manifest, EncodeResult result) {}

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

    /**
     * Encodes everything readable from {@code in} (not closed) into {@code sink} as the first
     * version of a new lineage (suite 2); returns the signed manifest.
     */
    public SignedManifest encode(InputStream in, Request request, ShardSink sink) throws ShardException, IOException {
        return encode(in, request, Lineage.fresh(), sink, false).manifest();
    }

    /**
     * Encodes one version of {@code lineage} (suite 2): chunks the lineage already stores reach
     * the sink as {@link io.stoq.shard.codec.EncodedShard#reused() reused} and must not be
     * stored again; with {@code hashPlain} the result carries the SHA-256 of the whole input,
     * hashed on the pipeline's pool beside the encoding.
     */
    public Encoded encode(InputStream in, Request request, Lineage lineage, ShardSink sink, boolean hashPlain)
            throws ShardException, IOException {
        Unsealed u = encodeUnsealed(in, request, lineage, sink, hashPlain);
        return new Encoded(signer.sign(u.body().manifest()), u.result());
    }

    /** A version's manifest body, not sealed yet, and what its pipeline run did. */
    public record Unsealed(ManifestBody body, EncodeResult result) {}

    /**
     * As {@link #encode(InputStream, Request, Lineage, ShardSink, boolean)}, but leaves the
     * manifest unsealed: a node stores the body, commits its hash to the ledger and has its sealer
     * sign it later with others ("seal after commit", docs/shard.md). The signer is not used.
     */
    public Unsealed encodeUnsealed(InputStream in, Request request, Lineage lineage, ShardSink sink, boolean hashPlain)
            throws ShardException, IOException {
        if (request.size().isEmpty() || request.size().getAsLong() >= WARMUP_THRESHOLD) {
            AesGcm.warmUp();
        }
        BufferedInputStream head = new BufferedInputStream(in, FormatSniffer.HEAD_BYTES);
        head.mark(FormatSniffer.HEAD_BYTES);
        byte[] sample = head.readNBytes(FormatSniffer.HEAD_BYTES);
        head.reset();
        ContentFormat format = FormatSniffer.sniff(sample, sample.length);
        ChunkPlan plan = request.plan() != null ? request.plan()
                : ShardSizing.plan(request.size(), format, request.policy(), maxAverage);
        byte[] secret = lineage.secret();
        try {
            ShardCodec codec = ShardCodec.lineage(request.assetId(), secret, DEFAULT_ZSTD_LEVEL, format.worthCompressing(),
                    lineage.known());
            EncodeResult result = encoder.encode(head, plan, codec, sink, hashPlain);
            AssetManifest manifest = new AssetManifest(request.assetId(), request.version(), format, result.plainBytes(),
                    ChunkingInfo.of(plan), DEFAULT_ZSTD_LEVEL, result.shards(), ShardMerkle.treeOf(result.shards()).root(),
                    AssetKeys.wrap(secret, request.assetId(), request.version(), recipients), AssetManifest.SUITE_V2);
            return new Unsealed(ManifestBody.of(manifest), result);
        } finally {
            java.util.Arrays.fill(secret, (byte) 0);
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
        ChunkPlan plan = request.plan() != null ? request.plan()
                : ShardSizing.plan(request.size(), format, request.policy(), maxAverage);
        ShardCodec codec = new ShardCodec(request.assetId(), request.version(), assetKey, DEFAULT_ZSTD_LEVEL, format.worthCompressing());
        EncodeResult result = encoder.encode(head, plan, codec, sink);
        AssetManifest manifest = new AssetManifest(request.assetId(), request.version(), format, result.plainBytes(),
                ChunkingInfo.of(plan), DEFAULT_ZSTD_LEVEL, result.shards(), ShardMerkle.treeOf(result.shards()).root(),
                AssetKeys.wrap(assetKey, request.assetId(), request.version(), recipients));
        return signer.sign(manifest);
    }
}
