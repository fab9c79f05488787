package io.stoq.node.cli.asset;

import com.fasterxml.jackson.databind.JsonNode;
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

/**
 * {@code stoq asset grant ID --to ACCOUNT}: lets another account read an asset you own (a ledger
 * transaction; needs TOTP, because the access outlives the key that gave it).
 */
@Command(name = "grant", description = {"Let another account read an asset you own.",
        "The account may then read its content, metadata, history and proof. Granting",
        "is sensitive: the node asks for a current TOTP code of your account (--totp).",
        "Undo it with `stoq asset revoke`."},
        footer = {"", "Example:", "  stoq asset grant ID --to bob --totp 123456"})
public final class AssetGrantCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "ID", description = "Asset id.")
    String id;

    @Option(names = "--to", required = true, paramLabel = "ACCOUNT", description = "The account that may read the asset.")
    String to;

    @Mixin
    TotpOption totp;

    @Override
    public Integer call() throws ApiException {
        AssetIds.check("asset id", id);
        AssetIds.check("account", to);
        Map<String, String> headers = totp.headers();
        JsonNode grant = ApiClient.of(client).postJson("/v1/assets/" + id + "/grants", Map.of("account", to), headers);
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Json.print(out, grant);
        } else {
            out.printf("%s may now read %s (ledger block %d)%n", grant.path("account").asText(to), id,
                    grant.path("blockHeight").asLong());
            out.flush();
        }
        return 0;
    }
}
