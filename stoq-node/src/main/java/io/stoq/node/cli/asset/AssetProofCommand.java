package io.stoq.node.cli.asset;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.HelpOption;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq asset proof ID}: the ledger inclusion proof of an asset version. */
@Command(name = "proof", description = {"Fetch the ledger inclusion proof of an asset version (latest unless --version).",
        "--json prints the whole proof, including the base64 bundle (docs/ledger.md);",
        "check that file offline, with nothing but the network's root certificate, using",
        "`stoq ledger check-proof`."},
        footer = {"", "Example:", "  stoq asset proof ID --json > proof.json",
            "  stoq ledger check-proof proof.json --root data/ca/root.crt.pem"})
public final class AssetProofCommand implements Callable<Integer> {
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

    @Option(names = "--version", paramLabel = "N", description = "Version to prove (default: latest).")
    Long version;

    @Override
    public Integer call() throws ApiException {
        AssetIds.check("asset id", id);
        if (version != null && version < 1) {
            throw new ApiException(ApiError.BAD_REQUEST, "--version must be 1 or more");
        }
        JsonNode proof = ApiClient.of(client).getJson("/v1/assets/" + id + "/proof"
                + (version == null ? "" : "?version=" + version));
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Json.print(out, proof);
            return 0;
        }
        out.printf("asset        %s version %d%n", proof.path("assetId").asText(), proof.path("version").asLong());
        out.printf("merkle root  %s%n", proof.path("merkleRoot").asText());
        out.printf("manifest     %s%n", proof.path("manifestHash").asText());
        out.printf("tx           %s%n", proof.path("txId").asText());
        out.printf("block        %d %s%n", proof.path("blockHeight").asLong(), proof.path("blockHash").asText());
        out.printf("path         %d hashes%n", proof.path("inclusionPath").size());
        out.printf("check with   stoq asset proof %s --json > proof.json; stoq ledger check-proof proof.json --root ROOT.pem%n", id);
        out.flush();
        return 0;
    }
}
