package io.stoq.node.cli.asset;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import java.util.regex.Pattern;

/** Checks ids before they go into a URL path, so no input can change which route is called. */
final class AssetIds {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._~-]{1,128}");

    private AssetIds() {}

    static String check(String what, String id) throws ApiException {
        if (id == null || !ID.matcher(id).matches() || id.equals(".") || id.equals("..")) {
            throw new ApiException(ApiError.BAD_REQUEST, "bad " + what + " '" + id
                    + "': expected 1..128 of A-Z a-z 0-9 . _ ~ -");
        }
        return id;
    }
}
