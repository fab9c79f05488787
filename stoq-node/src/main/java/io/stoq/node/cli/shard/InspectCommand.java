package io.stoq.node.cli.shard;

import io.stoq.crypto.hash.Hash256;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import io.stoq.shard.ShardErrorCode;
import io.stoq.shard.ShardException;
import io.stoq.shard.analyze.BoundaryHints;
import io.stoq.shard.analyze.BoundaryRule;
import io.stoq.shard.analyze.ContentFormat;
import io.stoq.shard.analyze.FormatSniffer;
import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.analyze.ShardSizing;
import io.stoq.shard.chunk.Chunk;
import io.stoq.shard.chunk.ChunkParams;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.chunk.Chunker;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq shard inspect FILE}: format, natural boundaries, shard table, dedup against another file. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "Show how FILE would be sharded: detected format, natural boundaries (line ends, archive "
                + "entries), the chunk table with each chunk's SHA3-256, and with --against how much of FILE a second "
                + "file shares chunk for chunk (what dedup would save). Streams FILE; writes nothing.",
        footer = {"", "Examples:",
            "  stoq shard inspect data.csv",
            "  stoq shard inspect data.csv --against data-edited.csv",
            "  stoq shard inspect image.jpg --chunker fastcdc \\",
            "      --min 4096 --avg 16384 --max 65535 --json",
            "", "--chunker content (default) picks sizes from the file (docs/shard.md) and",
            "snaps cuts to natural boundaries; --chunker fastcdc is plain FastCDC 2020,",
            "cut for cut the reference implementation. With --json in fastcdc mode the",
            "output is exactly {\"chunks\":[{\"offset\":..,\"length\":..,\"sha3\":..}]}",
            "(plus \"against\" with --against); sha3 is SHA3-256 of the chunk's bytes."})
public final class InspectCommand implements Callable<Integer> {
    enum Mode { content, fastcdc }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "FILE", description = "The file to inspect.")
    Path file;

    @Option(names = "--against", paramLabel = "FILE2", description = "Compare chunk hashes with this file (dedup ratio).")
    Path against;

    @Option(names = "--chunker", paramLabel = "MODE", defaultValue = "content",
            description = "content (default: sized from the file, snapped to boundaries) or fastcdc (plain FastCDC 2020).")
    Mode mode;

    @Option(names = "--min", paramLabel = "N", description = "Minimum chunk size in bytes (64..1048576).")
    Integer min;

    @Option(names = "--avg", paramLabel = "N", description = "Average chunk size in bytes (256..4194304).")
    Integer avg;

    @Option(names = "--max", paramLabel = "N", description = "Maximum chunk size in bytes (1024..16777216).")
    Integer max;

    @Option(names = "--normalization", paramLabel = "LEVEL", defaultValue = "1", description = "FastCDC normalization level 0..3 (default 1).")
    int normalization;

    @Option(names = "--policy", paramLabel = "POLICY", defaultValue = "replicas:3",
            description = "Redundancy policy the sizes are chosen for: replicas:N or erasure:K+M (default replicas:3).")
    String policy;

    @Option(names = "--limit", paramLabel = "ROWS", defaultValue = "20", description = "Chunk rows to print in text mode (default 20; --json prints all).")
    int limit;

    record Row(long offset, int length, String sha3) {}

    @Override
    public Integer call() throws Exception {
        long size = size(file);
        ContentFormat format = sniff(file);
        ChunkPlan plan = plan(size, format);
        List<Row> rows = chunk(file, plan);
        Map<String, Object> dedup = against == null ? null : dedup(rows, chunk(against, plan), size(against));
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            if (mode == Mode.content) {
                BoundaryHints hints = hints(file, format.boundaryRule());
                json.put("file", file.toString());
                json.put("size", size);
                json.put("format", format.name());
                json.put("boundaryRule", format.boundaryRule().name());
                json.put("boundaryHints", Map.of("count", hints.count(), "first", hints.first()));
                json.put("params", params(plan));
            }
            json.put("chunks", rows);
            if (dedup != null) {
                json.put("against", dedup);
            }
            Json.print(out, json);
            return 0;
        }
        BoundaryHints hints = hints(file, format.boundaryRule());
        out.printf("file      %s (%s, %d bytes)%n", file, Sizes.bytes(size), size);
        out.printf("format    %s%n", format);
        out.printf("hints     %s%n", hints.rule() == BoundaryRule.NONE ? "none (no natural boundaries in this format)"
                : hints.count() + " " + hints.rule().name().toLowerCase(Locale.ROOT).replace('_', ' ') + " boundaries, first at " + hints.first());
        out.printf("chunker   %s%n", describe(plan));
        out.printf("chunks    %d%s%n", rows.size(), rows.isEmpty() ? "" : ", average " + Sizes.bytes(size / rows.size()));
        out.printf("%6s %14s %10s  %s%n", "#", "offset", "length", "sha3-256");
        for (int i = 0; i < Math.min(limit, rows.size()); i++) {
            Row r = rows.get(i);
            out.printf("%6d %14d %10d  %s%n", i, r.offset(), r.length(), r.sha3());
        }
        if (rows.size() > limit) {
            out.printf("%6s (%d more; --limit N or --json for all)%n", "...", rows.size() - limit);
        }
        if (dedup != null) {
            out.printf("against   %s: %d of %d chunks shared, %.1f%% of %s's bytes; storing both: %s unique of %s (dedup ratio %.2f)%n",
                    against, dedup.get("sharedChunks"), rows.size(), 100 * (double) dedup.get("sharedFraction"), file,
                    Sizes.bytes((long) dedup.get("uniqueBytes")), Sizes.bytes((long) dedup.get("totalBytes")), dedup.get("dedupRatio"));
        }
        out.flush();
        return 0;
    }

    private ChunkPlan plan(long size, ContentFormat format) throws ShardException {
        boolean explicit = min != null || avg != null || max != null;
        if (mode == Mode.fastcdc || explicit) {
            ChunkParams params;
            if (explicit) {
                if (min == null || avg == null || max == null) {
                    throw new ShardException(ShardErrorCode.INVALID_ARGUMENT, "give all of --min, --avg and --max, or none");
                }
                params = ChunkParams.of(min, avg, max, normalization);
            } else {
                params = ShardSizing.plan(size, format, RedundancyPolicy.parse(policy)).params();
            }
            if (mode == Mode.fastcdc) {
                return ChunkPlan.plain(params);
            }
            BoundaryRule rule = format.boundaryRule();
            return rule == BoundaryRule.NONE ? ChunkPlan.plain(params) : new ChunkPlan(params, rule, params.avg() / 8);
        }
        return ShardSizing.plan(size, format, RedundancyPolicy.parse(policy));
    }

    private static Map<String, Object> params(ChunkPlan plan) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("min", plan.params().min());
        p.put("avg", plan.params().avg());
        p.put("max", plan.params().max());
        p.put("normalization", plan.params().normalization());
        p.put("snapWindow", plan.snapWindow());
        return p;
    }

    private static String describe(ChunkPlan plan) {
        ChunkParams p = plan.params();
        String sizes = String.format(Locale.ROOT, "FastCDC 2020 min %d, avg %d, max %d, normalization %d", p.min(), p.avg(), p.max(), p.normalization());
        return plan.snapping() ? sizes + ", cuts snapped to " + ((BoundaryRule) plan.snap()).name().toLowerCase(Locale.ROOT).replace('_', ' ')
                + " within " + plan.snapWindow() + " bytes" : sizes + ", plain (no snapping)";
    }

    private static Map<String, Object> dedup(List<Row> mine, List<Row> theirs, long theirSize) {
        Set<String> other = new HashSet<>();
        for (Row r : theirs) {
            other.add(r.sha3());
        }
        long sharedBytes = 0;
        int sharedChunks = 0;
        long mySize = 0;
        Set<String> unique = new HashSet<>();
        long uniqueBytes = 0;
        for (Row r : mine) {
            mySize += r.length();
            if (other.contains(r.sha3())) {
                sharedBytes += r.length();
                sharedChunks++;
            }
        }
        for (Row r : concat(mine, theirs)) {
            if (unique.add(r.sha3())) {
                uniqueBytes += r.length();
            }
        }
        long total = mySize + theirSize;
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("sharedChunks", sharedChunks);
        d.put("sharedBytes", sharedBytes);
        d.put("sharedFraction", mySize == 0 ? 0.0 : (double) sharedBytes / mySize);
        d.put("totalBytes", total);
        d.put("uniqueBytes", uniqueBytes);
        d.put("dedupRatio", uniqueBytes == 0 ? 1.0 : Math.round(100.0 * total / uniqueBytes) / 100.0);
        return d;
    }

    private static List<Row> concat(List<Row> a, List<Row> b) {
        List<Row> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static long size(Path path) throws ShardException {
        try {
            if (!Files.isRegularFile(path)) {
                throw new ShardException(ShardErrorCode.IO_ERROR, "cannot read " + path + ": not a regular file");
            }
            return Files.size(path);
        } catch (IOException e) {
            throw new ShardException(ShardErrorCode.IO_ERROR, "cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    static ContentFormat sniff(Path path) throws ShardException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] head = in.readNBytes(FormatSniffer.HEAD_BYTES);
            return FormatSniffer.sniff(head, head.length);
        } catch (NoSuchFileException e) {
            throw new ShardException(ShardErrorCode.IO_ERROR, "cannot read " + path + ": no such file");
        } catch (IOException e) {
            throw new ShardException(ShardErrorCode.IO_ERROR, "cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static BoundaryHints hints(Path path, BoundaryRule rule) throws ShardException {
        try (InputStream in = Files.newInputStream(path)) {
            return BoundaryHints.scan(in, rule, 5);
        } catch (IOException e) {
            throw new ShardException(ShardErrorCode.IO_ERROR, "cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static List<Row> chunk(Path path, ChunkPlan plan) throws ShardException {
        size(path);
        List<Row> rows = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 20)) {
            Chunker chunker = new Chunker(in, plan);
            for (Chunk c; (c = chunker.next()) != null; ) {
                Hash256 h = io.stoq.crypto.hash.Sha3.hash(c.data());
                rows.add(new Row(c.offset(), c.length(), h.toHex()));
            }
        } catch (IOException e) {
            throw new ShardException(ShardErrorCode.IO_ERROR, "cannot read " + path + ": " + e.getMessage(), e);
        }
        return rows;
    }
}
