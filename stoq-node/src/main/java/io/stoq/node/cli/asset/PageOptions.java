package io.stoq.node.cli.asset;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Option;

/** Paging options of the listing commands ({@code ls}, {@code history}); add with {@code @Mixin}. */
public final class PageOptions {
    @Option(names = "--limit", defaultValue = "50", description = "Page size 1..500 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--cursor", description = "Continue after the page that printed this cursor.")
    String cursor;

    /** The query parameters, {@code limit=N[&cursor=C]}, after checking the limit. */
    String query() throws ApiException {
        if (limit < 1 || limit > 500) {
            throw new ApiException(ApiError.BAD_REQUEST, "--limit must be 1..500");
        }
        return "limit=" + limit + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
    }
}
