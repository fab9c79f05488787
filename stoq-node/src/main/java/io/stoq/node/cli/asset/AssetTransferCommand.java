package io.stoq.node.cli.asset;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.port.ApiException;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code stoq asset transfer ID --to ACCOUNT}: gives the asset to another account (needs TOTP). */
@Command(name = "transfer", description = {"Make another account the owner of an asset; only it may then update or delete it.",
        "Transfers are sensitive: the node asks for a current TOTP code of your account (--totp)."},
        footer = {"", "Example:", "  stoq asset transfer ID --to bob --totp 123456"})
public final class AssetTransferCommand extends AssetAccountCommand {
    @Option(names = "--to", required = true, paramLabel = "ACCOUNT", description = "The new owner's account id.")
    String to;

    @Mixin
    TotpOption totp;

    @Override
    String account() {
        return to;
    }

    @Override
    JsonNode send(ApiClient api) throws ApiException {
        return api.postJson("/v1/assets/" + id + "/transfers", Map.of("newOwner", to), totp.headers());
    }

    @Override
    String sentence(JsonNode meta) {
        return String.format("%s is now owned by %s", id, meta.path("owner").asText(to));
    }
}
