package io.stoq.node.cli.asset;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.port.ApiException;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq asset history ID}: the asset's changes as recorded on the ledger, oldest first. */
@Command(name = "history", description = {"Show an asset's changes from the ledger, oldest first.",
        "Lists each create, update, transfer and delete, and the owner's read grants",
        "and revocations."},
        footer = {"", "Example:", "  stoq asset history ID --json"})
public final class AssetHistoryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "ID", description = "Asset id.")
    String id;

    @Mixin
    PageOptions paging;

    @Override
    public Integer call() throws ApiException {
        AssetIds.check("asset id", id);
        String q = "/v1/assets/" + id + "/history?" + paging.query();
        JsonNode page = ApiClient.of(client).getJson(q);
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Json.print(out, page);
            return 0;
        }
        out.printf("%7s %-9s %-16s %-16s %15s %7s  %-24s %s%n", "VERSION", "CHANGE", "ACTOR", "OWNER", "BYTES", "BLOCK",
                "AT", "GRANTEE");
        for (JsonNode h : page.path("items")) {
            out.printf("%7d %-9s %-16s %-16s %,15d %7d  %-24s %s%n", h.path("version").asLong(), h.path("change").asText(),
                    h.path("actor").asText(), h.path("owner").asText(), h.path("size").asLong(),
                    h.path("blockHeight").asLong(), h.path("at").asText(), h.path("grantee").asText(""));
        }
        if (!page.path("nextCursor").isNull() && !page.path("nextCursor").isMissingNode()) {
            out.println("more: --cursor " + page.path("nextCursor").asText());
        }
        out.flush();
        return 0;
    }
}
