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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq asset grants ID}: who besides the owner may read an asset (owner or admin only). */
@Command(name = "grants", description = "List the accounts you let read an asset you own, oldest first.",
        footer = {"", "Example:", "  stoq asset grants ID"})
public final class AssetGrantsCommand implements Callable<Integer> {
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
        JsonNode page = ApiClient.of(client).getJson("/v1/assets/" + id + "/grants?" + paging.query());
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Json.print(out, page);
            return 0;
        }
        out.printf("%-24s %-16s %7s  %s%n", "ACCOUNT", "GRANTED BY", "BLOCK", "AT");
        for (JsonNode g : page.path("items")) {
            out.printf("%-24s %-16s %7d  %s%n", g.path("account").asText(), g.path("grantedBy").asText(),
                    g.path("blockHeight").asLong(), g.path("grantedAt").asText());
        }
        if (!page.path("nextCursor").isNull() && !page.path("nextCursor").isMissingNode()) {
            out.println("more: --cursor " + page.path("nextCursor").asText());
        }
        out.flush();
        return 0;
    }
}
