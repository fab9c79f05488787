package io.stoq.node.cli.asset;

import com.fasterxml.jackson.databind.JsonNode;
import io.stoq.fragmint.port.ApiException;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code stoq asset grant ID --to ACCOUNT}: lets another account read an asset you own (a ledger
 * transaction; needs TOTP, because the access outlives the key that gave it).
 */
@Command(name = "grant", description = {"Let another account read an asset you own.",
        "The account may then read its content, metadata, history and proof. Granting",
        "is sensitive: the node asks for a current TOTP code of your account (--totp).",
        "Undo it with `stoq asset revoke`."},
        footer = {"", "Example:", "  stoq asset grant ID --to bob --totp 123456"})
public final class AssetGrantCommand extends AssetAccountCommand {
    @Option(names = "--to", required = true, paramLabel = "ACCOUNT", description = "The account that may read the asset.")
    String to;

    @Mixin
    TotpOption totp;

    @Override
    String account() {
        return to;
    }

    @Override
    JsonNode send(ApiClient api) throws ApiException {
        return api.postJson("/v1/assets/" + id + "/grants", Map.of("account", to), totp.headers());
    }

    @Override
    String sentence(JsonNode grant) {
        return String.format("%s may now read %s (ledger block %d)", grant.path("account").asText(to), id,
                grant.path("blockHeight").asLong());
    }
}
