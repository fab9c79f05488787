package io.stoq.node.assets;

import io.stoq.shard.ShardException;
import io.stoq.shard.assemble.AssetReader;
import io.stoq.shard.manifest.AssetManifest;
import java.io.IOException;
import java.io.InputStream;

/**
 * Exactly {@code [first, first + length)} of an asset's plaintext, produced one shard at a time:
 * each shard is fetched and fully verified by {@link AssetReader} (hash, merkle proof, AES-GCM tag)
 * before any of its bytes are returned, and only one shard is held in memory.
 */
final class ContentStream extends InputStream {
    private final AssetReader reader;
    private final long[] offsets;
    private long position;
    private final long end;
    private int shard;
    private byte[] plain;
    private int plainPos;

    ContentStream(AssetReader reader, AssetManifest manifest, long first, long length) {
        this.reader = reader;
        int n = manifest.shards().size();
        this.offsets = new long[n + 1];
        for (int i = 0; i < n; i++) {
            offsets[i + 1] = offsets[i] + manifest.shards().get(i).plainLength();
        }
        this.position = first;
        this.end = first + length;
        this.shard = 0;
        while (shard < n && offsets[shard + 1] <= first) {
            shard++;
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (position >= end) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        while (plain == null || plainPos >= plain.length) {
            load();
        }
        int n = (int) Math.min(Math.min(len, plain.length - plainPos), end - position);
        System.arraycopy(plain, plainPos, b, off, n);
        plainPos += n;
        position += n;
        return n;
    }

    private void load() throws IOException {
        if (shard >= offsets.length - 1) {
            throw new IOException("asset content ended before the requested range");
        }
        try {
            plain = reader.shard(shard);
        } catch (ShardException e) {
            throw new IOException("shard " + shard + " failed verification: " + e.getMessage(), e);
        }
        plainPos = (int) Math.max(0, position - offsets[shard]);
        shard++;
    }

    @Override
    public void close() {
        plain = null;
    }
}
