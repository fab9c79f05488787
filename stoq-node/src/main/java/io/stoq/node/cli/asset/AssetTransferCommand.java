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

/** {@code stoq asset transfer ID --to ACCOUNT}: gives the asset to another account (needs TOTP). */
@Command(name = "transfer", description = {"Make another account the owner of an asset; only it may then update or delete it.",
        "Transfers are sensitive: the node asks for a current TOTP code of your account (--totp)."},
        footer = {"", "Example:", "  stoq asset transfer ID --to bob --totp 123456"})
public final class AssetTransferCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "ID", description = "Asset id.")
    String id;

    @Option(names = "--to", required = true, paramLabel = "ACCOUNT", description = "The new owner's account id.")
    String to;

    @Mixin
    TotpOption totp;

    @Override
    public Integer call() throws ApiException {
        AssetIds.check("asset id", id);
        AssetIds.check("account", to);
        Map<String, String> headers = totp.headers();
        JsonNode meta = ApiClient.of(client).postJson("/v1/assets/" + id + "/transfers", Map.of("newOwner", to), headers);
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Json.print(out, meta);
        } else {
            out.printf("%s is now owned by %s%n", id, meta.path("owner").asText(to));
            out.flush();
        }
        return 0;
    }
}
