package io.stoq.node.cli.asset;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.port.ApiException;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What {@code stoq asset grant}, {@code revoke} and {@code transfer} share: one asset, one other
 * account, one request to the node, and an answer printed as JSON or as one sentence.
 */
abstract class AssetAccountCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "ID", description = "Asset id.")
    String id;

    /** The other account, from the subcommand's own option ({@code --to}, {@code --from}). */
    abstract String account();

    /** Sends the request; the node's answer, as printed with {@code --json}. */
    abstract JsonNode send(ApiClient api) throws ApiException;

    /** The answer in one line for a person. */
    abstract String sentence(JsonNode answer);

    @Override
    public final Integer call() throws ApiException {
        AssetIds.check("asset id", id);
        AssetIds.check("account", account());
        JsonNode answer = send(ApiClient.of(client));
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Json.print(out, answer);
        } else {
            out.println(sentence(answer));
            out.flush();
        }
        return 0;
    }
}
