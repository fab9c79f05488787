package io.stoq.fragmint.port;

import java.io.IOException;
import java.io.InputStream;

/**
 * An open download. The HTTP layer reads {@link #body()} on a worker thread (it may block) in
 * 64 KiB steps, writes each step to the client as the connection drains, and always closes this.
 * Every byte the service releases through {@code body} must already be verified against its
 * shard hash and merkle proof (DESIGN.md s.9).
 *
 * @param metadata the version being served
 * @param range the bytes {@code body} yields, or null when the content is empty
 * @param body exactly {@code range.length()} bytes (nothing when range is null)
 */
public record AssetContent(AssetMetadata metadata, ByteRange range, InputStream body)
        implements AutoCloseable {
    @Override
    public void close() throws IOException {
        body.close();
    }
}
