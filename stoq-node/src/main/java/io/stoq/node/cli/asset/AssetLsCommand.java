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
import picocli.CommandLine.Spec;

/** {@code stoq asset ls}: one page of assets, newest first. */
@Command(name = "ls", description = "List assets visible to you, newest first, one page at a time.",
        footer = {"", "Examples:", "  stoq asset ls --owner alice", "  stoq asset ls --limit 10 --cursor NEXT   # NEXT from the previous page"})
public final class AssetLsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    ClientOptions client;

    @Option(names = "--owner", paramLabel = "ACCOUNT", description = "Only assets of this account.")
    String owner;

    @Mixin
    PageOptions paging;

    @Override
    public Integer call() throws ApiException {
        StringBuilder q = new StringBuilder("/v1/assets?").append(paging.query());
        if (owner != null) {
            q.append("&owner=").append(AssetIds.check("account", owner));
        }
        JsonNode page = ApiClient.of(client).getJson(q.toString());
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Json.print(out, page);
            return 0;
        }
        out.printf("%-28s %7s %15s %-16s %s%n", "ID", "VERSION", "BYTES", "OWNER", "NAME");
        for (JsonNode a : page.path("items")) {
            out.printf("%-28s %7d %,15d %-16s %s%n", a.path("id").asText(), a.path("version").asLong(),
                    a.path("size").asLong(), a.path("owner").asText(), a.path("name").asText(""));
        }
        if (!page.path("nextCursor").isNull() && !page.path("nextCursor").isMissingNode()) {
            out.println("more: --cursor " + page.path("nextCursor").asText());
        }
        out.flush();
        return 0;
    }
}
