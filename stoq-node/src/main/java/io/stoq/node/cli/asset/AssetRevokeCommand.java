package io.stoq.node.cli.asset;

import io.stoq.fragmint.port.ApiException;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoq asset revoke ID --from ACCOUNT}: takes back a read grant (a ledger transaction). */
@Command(name = "revoke", description = {"Take back another account's read access to an asset you own.",
        "It takes effect once the ledger commits it; from then on, the account's open",
        "event streams get none of the asset's events."},
        footer = {"", "Example:", "  stoq asset revoke ID --from bob"})
public final class AssetRevokeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "ID", description = "Asset id.")
    String id;

    @Option(names = "--from", required = true, paramLabel = "ACCOUNT", description = "The account to take access from.")
    String from;

    @Override
    public Integer call() throws ApiException {
        AssetIds.check("asset id", id);
        AssetIds.check("account", from);
        ApiClient.of(client).delete("/v1/assets/" + id + "/grants/" + from);
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Json.print(out, Json.mapper().valueToTree(Map.of("assetId", id, "account", from, "revoked", true)));
        } else {
            out.printf("%s may no longer read %s%n", from, id);
            out.flush();
        }
        return 0;
    }
}
