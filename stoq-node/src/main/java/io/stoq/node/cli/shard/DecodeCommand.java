package io.stoq.node.cli.shard;

import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.assemble.AssetReader;
import io.stoq.shard.assemble.ShardDirectory;
import io.stoq.shard.manifest.AssetKeys;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.SignedManifest;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq shard decode DIR --out FILE}: verified reassembly; nothing is left behind on failure. */
@Command(
        name = "decode",
        mixinStandardHelpOptions = true,
        description = "Rebuild the file encoded in DIR. Checks the manifest against the trusted key (KEYDIR's "
                + "signing.pub.pem, or --signer-key): for a batch-sealed manifest its leaf, inclusion proof, batch root "
                + "and SLH-DSA batch signature; for one written before batch sealing, its own signature. Then for every "
                + "shard its length, SHA3-256, inclusion proof and AES-GCM tag before any "
                + "of its bytes are written. Output goes to a temporary file renamed to FILE only when everything "
                + "verified; any failure exits 20-29 with one line naming the shard or field, and leaves no FILE.",
        footer = {"", "Examples:",
            "  stoq shard decode video.shards --out video.mp4",
            "  stoq shard decode data.shards --out part.csv --range 1048576:4096",
            "  stoq shard decode data.shards --out data.csv --keys my-kem-keys \\",
            "      --signer-key their.signing.pub.pem"})
public final class DecodeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "DIR", description = "Directory written by 'stoq shard encode'.")
    Path dir;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "File to write (replaced atomically).")
    Path out;

    @Option(names = "--keys", paramLabel = "KEYDIR", description = "Key directory (default: DIR.keys).")
    Path keys;

    @Option(names = "--signer-key", paramLabel = "PEM",
            description = {"Trust this public key (PEM), for example a",
                "node's slhdsa.pub.pem, instead of",
                "KEYDIR/signing.pub.pem."})
    Path signerKey;

    @Option(names = "--threads", paramLabel = "N", description = "Verification threads (default: available processors).")
    Integer threads;

    @Option(names = "--range", paramLabel = "OFFSET:LENGTH", description = "Only these plaintext bytes (fetches only the shards they touch).")
    String range;

    @Override
    public Integer call() throws Exception {
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (workers < 1 || workers > 256) {
            throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "--threads must be 1..256, got " + workers);
        }
        ShardKeyFiles keyFiles = new ShardKeyFiles(keys != null ? keys : ShardKeyFiles.defaultFor(dir));
        ShardDirectory shards = new ShardDirectory(dir);
        SignedManifest signed = shards.readManifest();
        AssetManifest m = signed.verify(signerKey != null ? ShardKeyFiles.publicKey(signerKey) : keyFiles.trustedSigner());
        byte[] assetKey = AssetKeys.unwrap(m, keyFiles.kemPrivate(), keyFiles.kemPublic());
        AssetReader reader = new AssetReader(m, assetKey, shards);
        long[] window = parseRange(m.plainSize());
        Path parent = out.toAbsolutePath().getParent();
        Path temp;
        try {
            temp = Files.createTempFile(parent, "." + out.getFileName() + ".", ".partial");
        } catch (IOException e) {
            throw new ShardException(ShardErrorCode.IO_ERROR, "cannot write in " + parent + ": " + e.getMessage(), e);
        }
        long start = System.nanoTime();
        int fetched;
        boolean done = false;
        try {
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 20)) {
                if (window == null) {
                    ExecutorService pool = Executors.newFixedThreadPool(workers);
                    try {
                        reader.readAll(os, pool, workers);
                    } finally {
                        pool.shutdownNow();
                    }
                    fetched = m.shards().size();
                } else {
                    fetched = reader.readRange(window[0], window[1], os);
                }
            }
            Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } catch (IOException e) {
            throw new ShardException(ShardErrorCode.IO_ERROR, "decoding into " + out + " failed: " + e.getMessage(), e);
        } finally {
            if (!done) {
                Files.deleteIfExists(temp);
            }
        }
        long nanos = System.nanoTime() - start;
        long bytes = window == null ? m.plainSize() : window[1];
        PrintWriter w = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("assetId", m.assetId().toHex());
            json.put("version", m.version());
            json.put("bytes", bytes);
            json.put("shardsVerified", fetched);
            json.put("merkleRoot", m.merkleRoot().toHex());
            json.put("manifestSchema", signed.schema());
            json.put("out", out.toString());
            json.put("seconds", nanos / 1e9);
            json.put("mbPerSecond", Sizes.mbPerSecond(bytes, nanos));
            Json.print(w, json);
            return 0;
        }
        w.printf("decoded %s of asset %s v%d into %s: %d shard%s verified (hash, proof, tag), %.2f s (%.1f MB/s)%n",
                Sizes.bytes(bytes), m.assetId(), m.version(), out, fetched, fetched == 1 ? "" : "s",
                nanos / 1e9, Sizes.mbPerSecond(bytes, nanos));
        w.flush();
        return 0;
    }

    private long[] parseRange(long size) throws ShardException {
        if (range == null) {
            return null;
        }
        String[] parts = range.split(":", -1);
        try {
            if (parts.length == 2) {
                long offset = Long.parseLong(parts[0]);
                long length = Long.parseLong(parts[1]);
                if (offset >= 0 && length >= 0 && offset <= size && length <= size - offset) {
                    return new long[] {offset, length};
                }
                throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "--range " + range + " is outside the asset's " + size + " bytes");
            }
        } catch (NumberFormatException e) {
            // fall through to the usage error
        }
        throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "--range must be OFFSET:LENGTH in bytes, got '" + range + "'");
    }
}
