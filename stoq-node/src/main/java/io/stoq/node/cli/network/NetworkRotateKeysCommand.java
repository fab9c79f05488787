package io.stoq.node.cli.network;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.port.ApiException;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import io.stoq.node.cli.asset.ApiClient;
import io.stoq.node.cli.asset.ClientOptions;
import io.stoq.node.cli.asset.TotpOption;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code stoq network rotate-keys}: asks a node to start the next data-key epoch and re-wrap every
 * live asset version's key to it ({@code POST /v1/network/key-epochs}). The node does the work
 * (it holds the ledger and the epoch shares) and logs a line per asset; this command prints its
 * steps and the node's summary.
 */
@Command(name = "rotate-keys", description = {"Start a new data-key epoch and re-wrap every asset version's key to it.",
        "The new epoch's key is shared with every registered, unrevoked node; a node revoked before the rotation cannot unwrap the new wraps.",
        "Shard ciphertext is not rewritten.",
        "Needs an admin key and its current TOTP code (--totp)."},
        footer = {"", "Example:", "  stoq network rotate-keys --totp 123456"})
public final class NetworkRotateKeysCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    ClientOptions client;

    @Mixin
    TotpOption totp;

    @Override
    public Integer call() throws ApiException {
        PrintWriter out = spec.commandLine().getOut();
        ApiClient api = ApiClient.of(client);
        if (!common.json) {
            out.println("rotating the data-key epoch through " + client.baseUri() + " (the node re-wraps every live version; "
                    + "it logs a line per asset)");
            out.flush();
        }
        JsonNode r = api.post("/v1/network/key-epochs", totp.headers());
        if (common.json) {
            Json.print(out, r);
            return 0;
        }
        out.println("key epoch " + r.path("epoch").asLong() + " started at ledger height " + r.path("height").asLong() + " for "
                + r.path("members").size() + " member node(s): " + join(r.path("members")));
        out.println("versions re-wrapped: " + r.path("versionsRewrapped").asLong());
        out.println("versions skipped: " + r.path("versionsSkipped").asLong() + " (they keep their old epoch's wrap)");
        out.println("shard bytes untouched: " + r.path("shardBytesUntouched").asLong());
        out.flush();
        return 0;
    }

    private static String join(JsonNode list) {
        StringBuilder b = new StringBuilder();
        list.forEach(n -> b.append(b.length() == 0 ? "" : ", ").append(n.asText()));
        return b.toString();
    }
}
