package io.stoq.node.cli.asset;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.ContentDigest;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.HelpOption;
import io.stoq.node.cli.Json;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stoq asset get ID}: downloads an asset version, streamed. A whole download is checked
 * against the version's content digest (SHA-256; SHA3-256 for versions written before) before the output file appears (written to a temp file beside it,
 * then renamed), so a failed or corrupt download never leaves a partial file under the real name.
 */
@Command(name = "get", description = "Download an asset's content (latest version unless --version), to --out or stdout.",
        footer = {"", "Examples:", "  stoq asset get ID --out photo.jpg", "  stoq asset get ID --version 1 --out old.jpg",
            "  stoq asset get ID --range 100-199 --out part   # bytes 100..199 inclusive",
            "  stoq asset get ID --range -100                 # the last 100 bytes, to stdout"})
public final class AssetGetCommand implements Callable<Integer> {
    private static final Pattern RANGE = Pattern.compile("(\\d*)-(\\d*)");

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "ID", description = "Asset id.")
    String id;

    @Mixin
    HelpOption help; // this command's --version (an asset version) displaces the inherited --help

    @Option(names = "--version", paramLabel = "N", description = "Version to read (default: latest).")
    Long version;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Write here instead of stdout.")
    Path out;

    @Option(names = "--range", paramLabel = "A-B",
            description = "Only bytes A..B inclusive (A-, -N for the last N bytes), as an HTTP Range.")
    String range;

    @Override
    public Integer call() throws ApiException, NodeException {
        AssetIds.check("asset id", id);
        if (version != null && version < 1) {
            throw new ApiException(ApiError.BAD_REQUEST, "--version must be 1 or more");
        }
        String rangeHeader = range == null ? null : rangeHeader(range);
        ApiClient api = ApiClient.of(client);
        // pin the version first, so content and checksum are of the same version
        JsonNode meta = api.getJson("/v1/assets/" + id + (version == null ? "" : "?version=" + version));
        long v = meta.path("version").asLong();
        HttpRequest.Builder req = api.request("/v1/assets/" + id + "/content?version=" + v).GET();
        if (rangeHeader != null) {
            req.header("Range", rangeHeader);
        }
        ContentDigest expected = expectedDigest(meta);
        MessageDigest digest = digestOf(expected);
        long[] count = {0};
        int status;
        if (out == null) {
            try (OutputStream stdout = new BufferedOutputStream(System.out, 1 << 16) {
                @Override
                public void close() throws IOException {
                    flush(); // never close the process's stdout
                }
            }) {
                status = api.download(req.build(), tee(stdout, digest, count)).statusCode();
            } catch (IOException e) {
                throw new NodeException(NodeErrorCode.IO_ERROR, "cannot write to stdout: " + e.getMessage(), e);
            }
            check(meta, expected, rangeHeader, digest, count[0]);
            return 0;
        }
        Path target = out.toAbsolutePath();
        Path temp = null;
        try {
            Files.createDirectories(target.getParent());
            temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".part");
            try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
                status = api.download(req.build(), tee(file, digest, count)).statusCode();
            }
            check(meta, expected, rangeHeader, digest, count[0]);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            temp = null;
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot write " + out + ": " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort: the temp name starts with '.' and ends with .part
                }
            }
        }
        PrintWriter pw = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("id", id);
            r.put("version", v);
            r.put("bytes", count[0]);
            r.put("partial", status == 206);
            r.put("out", out.toString());
            Json.print(pw, r);
        } else {
            pw.printf("wrote %,d bytes of %s version %d to %s%s%n", count[0], id, v, out,
                    status == 206 ? " (range " + range + ")"
                            : ", " + (expected.algorithm().equals(ContentDigest.SHA256) ? "SHA-256" : "SHA3-256") + " verified");
            pw.flush();
        }
        return 0;
    }

    /** The digest the node published for the version: {@code sha256}, or {@code sha3} for older versions. */
    private static ContentDigest expectedDigest(JsonNode meta) throws ApiException {
        try {
            return ContentDigest.of(meta.path("sha256").textValue(), meta.path("sha3").textValue());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ApiError.INTERNAL, "the node's metadata has no usable content digest: " + e.getMessage());
        }
    }

    private static MessageDigest digestOf(ContentDigest d) {
        try {
            return MessageDigest.getInstance(d.algorithm().equals(ContentDigest.SHA256) ? "SHA-256" : "SHA3-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM lacks " + d.algorithm(), e);
        }
    }

    private static void check(JsonNode meta, ContentDigest expected, String rangeHeader, MessageDigest digest, long bytes)
            throws ApiException {
        if (rangeHeader != null) {
            return;
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (bytes != meta.path("size").asLong() || !actual.equals(expected.hex())) {
            throw new ApiException(ApiError.DIGEST_MISMATCH, "downloaded content does not match the asset's " + expected.algorithm()
                    + " (" + bytes + " bytes, " + expected.algorithm() + " " + actual + ", expected " + expected.hex()
                    + "); nothing was written");
        }
    }

    static String rangeHeader(String spec) throws ApiException {
        Matcher m = RANGE.matcher(spec.strip());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            throw new ApiException(ApiError.BAD_REQUEST, "bad --range '" + spec + "': expected A-B, A- or -N");
        }
        if (!m.group(1).isEmpty() && !m.group(2).isEmpty()
                && new java.math.BigInteger(m.group(1)).compareTo(new java.math.BigInteger(m.group(2))) > 0) {
            throw new ApiException(ApiError.BAD_REQUEST, "bad --range '" + spec + "': start is after end");
        }
        return "bytes=" + m.group(1) + "-" + m.group(2);
    }

    private static OutputStream tee(OutputStream sink, MessageDigest digest, long[] count) {
        return new FilterOutputStream(sink) {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                digest.update((byte) b);
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                digest.update(b, off, len);
                count[0] += len;
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }
}
