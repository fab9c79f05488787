package io.stoq.node.cli.asset;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha256;
import io.stoq.fragmint.port.ApiException;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stoq asset put FILE}: uploads a file as a new asset, streamed from disk, with the file's
 * SHA-256 declared in {@code Content-Digest} so the node commits nothing but exactly these bytes.
 */
@Command(name = "put", description = {"Upload FILE as a new asset, streamed.",
        "The file's SHA-256 goes along as Content-Digest, so the node stores nothing unless it received exactly those bytes (a file that changes during the upload is refused).",
        "Files of 16 MiB or more get a progress bar on stderr."},
        footer = {"", "Examples:", "  stoq asset put report.pdf --content-type application/pdf",
            "  ID=$(stoq asset put big.bin --json | jq -r .id)"})
public final class AssetPutCommand implements Callable<Integer> {
    static final long PROGRESS_THRESHOLD = 16L * 1024 * 1024;

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "FILE", description = "The file to upload.")
    Path file;

    @Option(names = "--name", description = "Name stored with the asset (default: the file's name).")
    String name;

    @Option(names = "--content-type", paramLabel = "TYPE", defaultValue = "application/octet-stream",
            description = "Media type stored with the asset (default: ${DEFAULT-VALUE}).")
    String contentType;

    @Option(names = "--no-progress", description = "Never draw the progress bar.")
    boolean noProgress;

    /** SHA-256 of the file as it is now (one read before the upload's own: 1.5 GB/s and more here). */
    private Hash256 sha256() throws NodeException {
        try (InputStream in = Files.newInputStream(file)) {
            return Sha256.hash(in);
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws ApiException, NodeException {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new NodeException(NodeErrorCode.NOT_FOUND, file + " is not a readable file");
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot read " + file + ": " + e.getMessage(), e);
        }
        ApiClient api = ApiClient.of(client);
        PrintWriter err = spec.commandLine().getErr();
        boolean progress = !noProgress && !common.json && size >= PROGRESS_THRESHOLD;
        // fromPublisher keeps the exact Content-Length (so the server can refuse oversize bodies up front)
        HttpRequest.BodyPublisher body = size == 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> open(size, progress, err)), size);
        HttpRequest.Builder req = api.request("/v1/assets").header("Content-Type", contentType)
                .header("Content-Digest", "sha-256=:" + Base64.getEncoder().encodeToString(sha256().toBytes()) + ":");
        String stored = name != null ? name : file.getFileName().toString();
        if (stored.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            req.header("X-Stoq-Name", stored);
        }
        JsonNode meta = api.json(req.POST(body).build());
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Json.print(out, meta);
        } else {
            out.println(meta.path("id").asText());
            boolean sha256 = meta.path("sha256").isTextual();
            out.printf("  version %d, %,d bytes%n  %s %s%n  merkle root %s%n", meta.path("version").asLong(),
                    meta.path("size").asLong(), sha256 ? "sha256" : "sha3", meta.path(sha256 ? "sha256" : "sha3").asText(),
                    meta.path("merkleRoot").asText());
            out.flush();
        }
        return 0;
    }

    private InputStream open(long size, boolean progress, PrintWriter err) {
        try {
            InputStream in = Files.newInputStream(file);
            return progress ? new Progress(in, size, err) : in;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
