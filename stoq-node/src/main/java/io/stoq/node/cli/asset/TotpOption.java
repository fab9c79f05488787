package io.stoq.node.cli.asset;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The {@code --totp} option of the asset commands the node asks a second factor for (grant,
 * transfer). Without it the request goes out without a code and the node's 401 says one is needed.
 */
public final class TotpOption {
    @Option(names = "--totp", paramLabel = "CODE", description = "Current TOTP code of your account (6-8 digits).")
    String code;

    /** The request headers carrying the code, none when it was not given. */
    public Map<String, String> headers() throws ApiException {
        if (code == null) {
            return Map.of();
        }
        if (!code.matches("\\d{6,8}")) {
            throw new ApiException(ApiError.BAD_REQUEST, "--totp must be 6 to 8 digits");
        }
        return Map.of("X-Stoq-TOTP", code);
    }
}
