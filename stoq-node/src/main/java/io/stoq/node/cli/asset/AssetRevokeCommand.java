package io.stoq.node.cli.asset;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.port.ApiException;
import io.stoq.node.cli.Json;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code stoq asset revoke ID --from ACCOUNT}: takes back a read grant (a ledger transaction). */
@Command(name = "revoke", description = {"Take back another account's read access to an asset you own.",
        "It takes effect once the ledger commits it; from then on, the account's open",
        "event streams get none of the asset's events."},
        footer = {"", "Example:", "  stoq asset revoke ID --from bob"})
public final class AssetRevokeCommand extends AssetAccountCommand {
    @Option(names = "--from", required = true, paramLabel = "ACCOUNT", description = "The account to take access from.")
    String from;

    @Override
    String account() {
        return from;
    }

    @Override
    JsonNode send(ApiClient api) throws ApiException {
        api.delete("/v1/assets/" + id + "/grants/" + from);
        return Json.mapper().valueToTree(Map.of("assetId", id, "account", from, "revoked", true));
    }

    @Override
    String sentence(JsonNode answer) {
        return String.format("%s may no longer read %s", from, id);
    }
}
