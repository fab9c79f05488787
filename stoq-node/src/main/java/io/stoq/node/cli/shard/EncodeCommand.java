package io.stoq.node.cli.shard;

import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.HelpOption;
import io.stoq.node.cli.Json;
import io.stoq.shard.AssetEncoder;
import io.stoq.shard.AssetId;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.assemble.ShardDirectory;
import io.stoq.shard.codec.ShardEncoder;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.SignedManifest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq shard encode FILE --out DIR}: shards, proofs and the signed manifest on disk. */
@Command(
        name = "encode",
        description = "Encode FILE into DIR: content-aware shards, each zstd-compressed (raw when that does not shrink "
                + "it), AES-256-GCM encrypted under its own key and named by its SHA3-256; an inclusion proof per shard; "
                + "and manifest.stoq (schema 2: sealed with an SLH-DSA signature, as a batch of one), holding the asset "
                + "key wrapped with ML-KEM. Streams: memory "
                + "stays bounded for any file size.",
        footer = {"", "Keys: --keys KEYDIR (default: DIR.keys beside DIR) holds signing.key.pem",
            "(SLH-DSA-SHA2-128F) and kem.key.pem (ML-KEM-768), created on first use,",
            "owner-only. Decode needs the same directory.",
            "", "Examples:",
            "  stoq shard encode video.mp4 --out video.shards",
            "  stoq shard encode data.csv --out data.shards --keys ~/.stoq/shard-keys \\",
            "      --version 2 --json"})
public final class EncodeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "FILE", description = "The file to encode.")
    Path file;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write (created; must not hold an asset yet).")
    Path out;

    @Option(names = "--keys", paramLabel = "KEYDIR", description = "Key directory (default: DIR.keys).")
    Path keys;

    @Option(names = "--asset-id", paramLabel = "HEX", description = "Asset id, 32 hex digits (default: random).")
    String assetId;

    @Mixin
    HelpOption help; // this command's --version (an asset version) displaces the inherited --help

    @Option(names = "--version", paramLabel = "N", defaultValue = "1", description = "Asset version number (default 1).")
    long version;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: available processors).")
    Integer threads;

    @Option(names = "--policy", paramLabel = "POLICY", defaultValue = "replicas:3",
            description = "Redundancy policy the shard sizes are chosen for: replicas:N or erasure:K+M.")
    String policy;

    @Override
    public Integer call() throws Exception {
        long size = InspectCommand.size(file);
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (workers < 1 || workers > 256) {
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "--threads must be 1..256, got " + workers);
        }
        if (version < 0) {
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "--version must be >= 0");
        }
        RedundancyPolicy redundancy = RedundancyPolicy.parse(policy);
        AssetId id = assetId == null ? AssetId.random() : AssetId.parse(assetId);
        ShardKeyFiles keyFiles = new ShardKeyFiles(keys != null ? keys : ShardKeyFiles.defaultFor(out));
        boolean created = false;
        if (!keyFiles.exists()) {
            keyFiles.create();
            created = true;
        }
        ShardDirectory dir = ShardDirectory.create(out);
        long start = System.nanoTime();
        SignedManifest signed;
        try (ShardEncoder encoder = new ShardEncoder(workers);
                InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            AssetEncoder assets = new AssetEncoder(encoder, keyFiles.signer(), List.of(keyFiles.kemPublic()));
            signed = assets.encode(in, new AssetEncoder.Request(id, version, OptionalLong.of(size), redundancy, null), dir);
            dir.finish(signed);
        } catch (IOException e) {
            throw new ShardException(ShardErrorCode.IO_ERROR, "encoding " + file + " failed: " + e.getMessage(), e);
        }
        long nanos = System.nanoTime() - start;
        AssetManifest m = signed.manifest();
        PrintWriter w = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("assetId", m.assetId().toHex());
            json.put("version", m.version());
            json.put("format", m.format().name());
            json.put("size", m.plainSize());
            json.put("shards", m.shards().size());
            json.put("storedBytes", m.storedSize());
            json.put("merkleRoot", m.merkleRoot().toHex());
            json.put("manifest", dir.dir().resolve(ShardDirectory.MANIFEST).toString());
            json.put("manifestSha3", signed.digest().toHex());
            json.put("manifestSchema", signed.schema());
            json.put("keys", keyFiles.dir().toString());
            json.put("keysCreated", created);
            json.put("seconds", nanos / 1e9);
            json.put("mbPerSecond", Sizes.mbPerSecond(m.plainSize(), nanos));
            Json.print(w, json);
            return 0;
        }
        if (created) {
            w.printf("created keys in %s (SLH-DSA-SHA2-128F signing key, ML-KEM-768 key; keep them private)%n", keyFiles.dir());
        }
        w.printf("encoded %s (%s, %s) into %s%n", file, Sizes.bytes(m.plainSize()), m.format(), out);
        w.printf("asset   %s version %d%n", m.assetId(), m.version());
        w.printf("shards  %d, stored %s (%.1f%% of the input)%n", m.shards().size(), Sizes.bytes(m.storedSize()),
                m.plainSize() == 0 ? 100.0 : 100.0 * m.storedSize() / m.plainSize());
        w.printf("merkle  %s%n", m.merkleRoot());
        w.printf("took    %.2f s (%.1f MB/s)%n", nanos / 1e9, Sizes.mbPerSecond(m.plainSize(), nanos));
        w.flush();
        return 0;
    }
}
