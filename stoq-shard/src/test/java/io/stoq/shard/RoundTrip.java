package io.stoq.shard;

import io.stoq.shard.analyze.RedundancyPolicy;
import io.stoq.shard.assemble.AssetReader;
import io.stoq.shard.assemble.FetchedShard;
import io.stoq.shard.chunk.ChunkPlan;
import io.stoq.shard.codec.ShardEncoder;
import io.stoq.shard.manifest.AssetKeys;
import io.stoq.shard.manifest.AssetManifest;
import io.stoq.shard.manifest.SignedManifest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** Encodes to memory and reads back through the real reader: the tests' round-trip harness. */
public final class RoundTrip {
    public final SignedManifest signed;
    public final List<byte[]> stored = new ArrayList<>();

    private RoundTrip(SignedManifest signed) {
        this.signed = signed;
    }

    public static RoundTrip encode(byte[] data, ChunkPlan plan, int threads) throws Exception {
        RoundTrip[] holder = new RoundTrip[1];
        List<byte[]> stored = new ArrayList<>();
        java.util.Map<io.stoq.crypto.hash.Hash256, byte[]> byHash = new java.util.HashMap<>();
        try (ShardEncoder encoder = new ShardEncoder(threads)) {
            AssetEncoder assets = new AssetEncoder(encoder, Fixtures.signer(), List.of(Fixtures.kem().getPublic()));
            SignedManifest m = assets.encode(new ByteArrayInputStream(data),
                    new AssetEncoder.Request(AssetId.random(), 1, OptionalLong.of(data.length), RedundancyPolicy.DEFAULT, plan),
                    shard -> {
                        // a repeat of an earlier chunk (suite 2) arrives as reused: its bytes are the first one's
                        byte[] bytes = shard.reused() ? byHash.get(shard.hash()) : shard.stored();
                        byHash.putIfAbsent(shard.hash(), bytes);
                        stored.add(bytes);
                    });
            holder[0] = new RoundTrip(m);
        }
        holder[0].stored.addAll(stored);
        return holder[0];
    }

    public AssetManifest verified() throws Exception {
        return SignedManifest.decode(signed.encoded()).verify(Fixtures.signer().verifyingKey());
    }

    public AssetReader reader() throws Exception {
        return reader(Fixtures.kem());
    }

    public AssetReader reader(KeyPair kem) throws Exception {
        AssetManifest m = verified();
        byte[] key = AssetKeys.unwrap(m, kem.getPrivate(), kem.getPublic());
        return new AssetReader(m, key, (index, entry) -> index < stored.size() ? new FetchedShard(stored.get(index), null) : null);
    }

    public byte[] decode() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        reader().readAll(out);
        return out.toByteArray();
    }
}
