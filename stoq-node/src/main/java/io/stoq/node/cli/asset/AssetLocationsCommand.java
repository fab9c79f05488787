package io.stoq.node.cli.asset;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.port.ApiException;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.HelpOption;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq asset locations ID}: per shard, the nodes holding it according to the ledger's location proofs. */
@Command(name = "locations", description = {"Show where an asset version's shards are stored (latest unless --version).",
        "One line per shard: its index, SHA3-256, stored size and the nodes whose",
        "location proofs on the ledger list it; for an erasure-coded version, one",
        "indented line per piece below its shard."},
        footer = {"", "Example:", "  stoq asset locations ID --json"})
public final class AssetLocationsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    ClientOptions client;

    @Mixin
    HelpOption help; // this command's --version (an asset version) displaces the inherited --help

    @Parameters(index = "0", paramLabel = "ID", description = "Asset id.")
    String id;

    @Option(names = "--version", paramLabel = "N", description = "Version (default: the latest).")
    Long version;

    @Override
    public Integer call() throws ApiException {
        AssetIds.check("asset id", id);
        String q = "/v1/assets/" + id + "/locations" + (version == null ? "" : "?version=" + version);
        JsonNode l = ApiClient.of(client).getJson(q);
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Json.print(out, l);
            return 0;
        }
        out.printf("asset %s version %d, policy %s%n", l.path("assetId").asText(), l.path("version").asLong(),
                l.path("policy").isNull() || l.path("policy").isMissingNode() ? "-" : l.path("policy").asText());
        out.printf("%6s  %-64s %12s  %s%n", "INDEX", "SHA3-256", "BYTES", "NODES");
        for (JsonNode s : l.path("shards")) {
            List<String> nodes = new ArrayList<>();
            s.path("nodes").forEach(n -> nodes.add(n.asText()));
            JsonNode pieces = s.path("pieces");
            boolean coded = pieces.isArray();
            out.printf("%6d  %-64s %,12d  %s%n", s.path("index").asInt(), s.path("sha3").asText(), s.path("size").asLong(),
                    coded ? "(pieces:)" : nodes.isEmpty() ? "(no proof yet)" : String.join(",", nodes));
            for (JsonNode p : coded ? pieces : List.<JsonNode>of()) {
                List<String> holders = new ArrayList<>();
                p.path("nodes").forEach(n -> holders.add(n.asText()));
                out.printf("%6s  %-64s %,12d  %s%n", "." + p.path("index").asInt(), p.path("sha3").asText(), p.path("size").asLong(),
                        holders.isEmpty() ? "(no proof yet)" : String.join(",", holders));
            }
        }
        out.flush();
        return 0;
    }
}
